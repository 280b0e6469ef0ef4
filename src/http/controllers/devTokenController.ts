import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Redis } from 'ioredis';
import { ForbiddenError, RateLimitedError } from '../../errors.js';
import { hostHeaderName, isLoopbackName } from '../../loopbackHost.js';
import { signDevToken, type DevTokenSigning } from '../../services/devTokens.js';
import { classifiedRedisStore } from '../plugins/rateLimitStore.js';
import { ErrorResponse } from '../schemas/errorSchemas.js';

export interface DevTokenOptions {
  signing: DevTokenSigning;
  /** Longest token lifetime the API accepts (JWT_MAX_AGE); tokens never live longer. */
  maxAgeSeconds: number;
  /** Requests per client address and minute. */
  limitPerMinute: number;
  /** Shared counters across API instances; absent: counted in this process's memory. */
  redis?: Redis | undefined;
  /** Prefix of every Redis key this deployment writes (REDIS_KEY_PREFIX). */
  redisKeyPrefix: string;
}

/** A working day: long enough not to sign a developer out mid-session. */
const DEV_TOKEN_TTL_SECONDS = 8 * 3600;

/** What the auth service accepts in `email` and `sub` (src/services/authService.ts). */
const NO_SPACE_OR_CONTROL = '[^\\s@\\u0000-\\u001f\\u007f-\\u009f]';
const DevTokenRequest = Type.Object(
  {
    email: Type.String({
      maxLength: 254,
      pattern: `^${NO_SPACE_OR_CONTROL}{1,64}@${NO_SPACE_OR_CONTROL}{1,253}\\.${NO_SPACE_OR_CONTROL}{1,63}$`,
      description: 'E-mail address of the user to sign in as',
    }),
    sub: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        pattern: '^[^\\u0000-\\u001f\\u007f-\\u009f]+$',
        description: 'User id (JWT sub); the e-mail address when absent',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * The app's Ajv coerces types (query strings arrive as text), which would turn `"sub": false`
 * into the user id "false". An identity is never guessed: this body is checked as sent.
 */
const strictBody = TypeCompiler.Compile(DevTokenRequest);
function validateStrictly() {
  return (data: unknown) => {
    if (strictBody.Check(data)) {
      return { value: data };
    }
    const first = strictBody.Errors(data).First();
    return { error: new Error(`body${first?.path ?? ''} ${first?.message ?? 'is not valid'}`) };
  };
}

const DevTokenResponse = Type.Object({
  token: Type.String({ description: 'A JWT for the Authorization: Bearer header' }),
  expiresAt: Type.String({ format: 'date-time' }),
});

/**
 * POST /api/dev/token: sign in as anyone, for local development only. Registered only when the
 * development secret is in use outside production (src/config/config.ts, devSignIn), so
 * everywhere else the route does not exist at all: 404, and absent from /openapi.json. A page
 * finds out by trying it. Public (no token to get a token), so limited per client address.
 */
export const devTokenController: FastifyPluginAsyncTypebox<DevTokenOptions> = async (app, opts) => {
  // The API listens on loopback only with the development secret (config.ts), but a page on any
  // site can make the browser send a request to it under its own name (DNS rebinding). Such a
  // request carries that name in Host: only loopback names are answered.
  app.addHook('onRequest', (request, _reply, done) => {
    const name = hostHeaderName(request.headers.host);
    done(
      name && isLoopbackName(name)
        ? undefined
        : new ForbiddenError('the dev token route answers only requests to localhost, 127.0.0.1 or [::1]'),
    );
  });
  await app.register(rateLimit, {
    max: opts.limitPerMinute,
    timeWindow: '1 minute',
    ...(opts.redis && {
      store: classifiedRedisStore(opts.redis, `${opts.redisKeyPrefix}devtoken:`, (error) =>
        app.log.warn({ err: error }, 'dev token rate limit counter unavailable; not limiting'),
      ),
    }),
    keyGenerator: (request) => request.ip,
    errorResponseBuilder: (_request, context) =>
      new RateLimitedError(`too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`),
  });

  app.post(
    '/token',
    {
      schema: {
        operationId: 'createDevToken',
        summary: 'Development only: a token for any user',
        description:
          'Exists only while the API runs with the development JWT secret and NODE_ENV is not ' +
          'production; otherwise this route is absent (404). Signed like `npm run token`.',
        tags: ['dev'],
        security: [],
        body: DevTokenRequest,
        response: {
          200: DevTokenResponse,
          400: ErrorResponse,
          403: ErrorResponse,
          429: ErrorResponse,
          500: ErrorResponse,
        },
      },
      validatorCompiler: validateStrictly,
    },
    async (request) => {
      const { token, expiresAt } = await signDevToken(opts.signing, {
        email: request.body.email,
        sub: request.body.sub,
        ttlSeconds: Math.min(DEV_TOKEN_TTL_SECONDS, opts.maxAgeSeconds),
      });
      return { token, expiresAt: expiresAt.toISOString() };
    },
  );
};
