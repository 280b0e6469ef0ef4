import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { weakSecretProblem } from '../../../src/config/secretStrength.js';
import { BASE, problems } from './configTestEnv.js';

const PRODUCTION = { ...BASE, NODE_ENV: 'production', JWT_ISSUER: 'https://idp', JWT_AUDIENCE: 'batchport' };
const DEV_SECRET = 'batchport-dev-only-jwt-secret-do-not-use-in-production';

describe('JWT_SECRET strength in production', () => {
  it('refuses secrets with less than 32 random bytes of entropy', () => {
    for (const weak of [
      'a'.repeat(32),
      'a'.repeat(200), // long, but one character
      'ab'.repeat(40), // two characters
      'Password1234567890Password1234567890', // a placeholder
      '0123456789abcdef0123456789abcdef', // 32 hex characters: 16 bytes
      randomBytes(24).toString('base64'), // 24 random bytes
    ]) {
      expect(problems({ ...PRODUCTION, JWT_SECRET: weak }), weak).toEqual([
        expect.stringMatching(/^JWT_SECRET is (too weak for production|a development or placeholder secret)/),
      ]);
    }
  });

  it('refuses every development string, whatever its case or position', () => {
    for (const dev of [
      DEV_SECRET,
      DEV_SECRET.toUpperCase(),
      `prefix-${DEV_SECRET}`,
      'Batchport-Dev-Only-' + 'x'.repeat(40),
    ]) {
      expect(problems({ ...PRODUCTION, JWT_SECRET: dev }), dev).toEqual([
        'JWT_SECRET is a development or placeholder secret; production needs a real one',
      ]);
    }
  });

  it('accepts 32 random bytes as openssl prints them (hex, base64, base64url), every time', () => {
    for (let i = 0; i < 200; i++) {
      const bytes = randomBytes(32);
      for (const secret of [bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url')]) {
        expect(weakSecretProblem(secret), secret).toBeUndefined();
      }
    }
  });

  it('leaves development and test configurations to the length check', () => {
    expect(problems({ ...BASE, JWT_SECRET: 'short' })).toEqual(['JWT_SECRET must be at least 32 characters']);
    expect(() => problems({ ...BASE, JWT_SECRET: 'a'.repeat(32) })).toThrow(/expected a ConfigError/);
  });
});
