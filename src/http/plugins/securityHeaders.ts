import helmet from '@fastify/helmet';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Security headers on every answer. Wrapped with fastify-plugin because helmet's hooks must
 * reach the whole app, not only this plugin's scope.
 */
const securityHeaders: FastifyPluginAsync = async (app) => {
  await app.register(helmet, {
    // The Swagger UI at /docs needs inline scripts/styles; everything else is JSON.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
  });
};

export default fp(securityHeaders, { name: 'batchport-security-headers', fastify: '5.x' });
