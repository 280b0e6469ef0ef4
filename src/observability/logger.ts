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
        '*.password',
        '*.secret',
      ],
      censor: '[redacted]',
    },
  });
}
