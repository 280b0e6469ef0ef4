import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { toHttpError } from '../errorMapping.js';
import { errorBody } from '../schemas/errorSchemas.js';

export interface ErrorHandlerOptions {
  maxFileSize: number;
}

/**
 * One JSON error shape everywhere: `{ error: { code, message, details? }, requestId }`, for
 * thrown errors and unknown routes alike. Wrapped with fastify-plugin so the handlers are the
 * parent's, inherited by every route registered after it.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
const errorHandler: FastifyPluginAsync<ErrorHandlerOptions> = async (app, { maxFileSize }) => {
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
    // An answer sent before the body was read (413, 401, 429) is delivered by lingeringClose.ts.
    return reply.status(http.status).send(errorBody(request.id, http.code, http.message, http.details));
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(
        errorBody(request.id, 'not_found', `no route for ${request.method} ${request.url.split('?')[0]}`),
      ),
  );
};

export default fp(errorHandler, { name: 'batchport-error-handler', fastify: '5.x' });
