import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Echoes the request id on every answer (`x-request-id`), so a client can quote it and an
 * operator find the request in the logs. Wrapped with fastify-plugin to cover every route.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
const requestIdHeader: FastifyPluginAsync = async (app) => {
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
};

export default fp(requestIdHeader, { name: 'batchport-request-id-header', fastify: '5.x' });
