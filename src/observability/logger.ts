import { pino, type Logger, type LoggerOptions } from 'pino';

export type LogFormat = 'json' | 'pretty';

/**
 * `LOG_FORMAT=auto` (the default) means readable lines for a person at a terminal and JSON lines
 * for everything else (a log shipper, CI, a supervisor's pipe), which is what production wants.
 */
export function logFormat(setting: 'auto' | LogFormat, stdoutIsTty: boolean | undefined): LogFormat {
  return setting === 'auto' ? (stdoutIsTty === true ? 'pretty' : 'json') : setting;
}

/** Structured logs; tokens and cookies never reach them, in either format. */
export function createLogger(level: string, role: string, format: LogFormat = 'json'): Logger {
  const options: LoggerOptions = {
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
  };
  if (format === 'pretty') {
    // pino-pretty formats in pino's transport thread, off the event loop; redaction happens
    // before, in this thread.
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return pino(options);
}
