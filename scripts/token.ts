import { parseArgs } from 'node:util';
import { signDevToken } from '../src/services/devTokens.js';
import { DEV_JWT_SECRET } from './services/index.js';

/**
 * Prints a JWT for local use: `npm run token -- --email you@example.com [--sub id] [--ttl 3600]`.
 * Signed HS256 with JWT_SECRET from the environment, or the local stack's development secret
 * (the one `npm start` runs with) when none is set.
 */
const { values } = parseArgs({
  options: {
    email: { type: 'string' },
    sub: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
  },
});

const secret = process.env['JWT_SECRET'] || DEV_JWT_SECRET;
if (!values.email) {
  process.stderr.write('usage: npm run token -- --email you@example.com [--sub user-id] [--ttl seconds]\n');
  process.exit(64);
}
const ttl = Number(values.ttl);
// The API refuses tokens that live longer than JWT_MAX_AGE (default 24 h): do not mint one.
const maxAge = Number(process.env['JWT_MAX_AGE'] || 24 * 3600);
if (!Number.isInteger(ttl) || ttl <= 0 || ttl > maxAge) {
  process.stderr.write(`--ttl must be a whole number of seconds from 1 to ${maxAge} (JWT_MAX_AGE)\n`);
  process.exit(64);
}
const { token } = await signDevToken(
  { secret, issuer: process.env['JWT_ISSUER'], audience: process.env['JWT_AUDIENCE'] },
  { email: values.email, sub: values.sub, ttlSeconds: ttl },
);
process.stdout.write(`${token}\n`);
