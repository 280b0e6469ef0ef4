import type { FastifyInstance } from 'fastify';
import { toHttpError } from '../errorMapping.js';

/** One JSON error shape everywhere: `{ error: { code, message, details? }, requestId }`. */
export function registerErrorHandling(app: FastifyInstance, maxFileSize: number): void {
  app.setErrorHandler((error, request, reply) => {
    const http = toHttpError(error, maxFileSize);
    if (http.status >= 500) {
      request.log.error({ err: error }, 'request failed');
    } else {
      request.log.info({ code: http.code, msg: http.message }, 'request rejected');
    }
    if (http.headers) {
      void reply.headers(http.headers);
    }
    // A 413 mid-stream leaves an unread body; closing the connection stops the client sending.
    if (http.status === 413) {
      void reply.header('connection', 'close');
    }
    return reply.status(http.status).send({
      error: {
        code: http.code,
        message: http.message,
        ...(http.details !== undefined && { details: http.details }),
      },
      requestId: request.id,
    });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: { code: 'not_found', message: `no route for ${request.method} ${request.url.split('?')[0]}` },
      requestId: request.id,
    }),
  );
}
