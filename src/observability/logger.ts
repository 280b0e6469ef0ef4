import { pino, type Logger } from 'pino';

/** Structured JSON logs; tokens and cookies never reach them. */
export function createLogger(level: string, role: string): Logger {
  return pino({
    level,
    base: { role },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'headers.cookie',
        // Any object that carries the request headers one level down: e.g. @fastify/multipart
        // logs `busboyOptions.headers` (with the bearer token) at trace level.
        '*.headers.authorization',
        '*.headers.cookie',
        '*.password',
        '*.secret',
      ],
      censor: '[redacted]',
    },
  });
}
