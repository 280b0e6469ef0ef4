import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { completeDocument, type OpenApiDocument } from '../openApiContract.js';

/**
 * The OpenAPI document (/openapi.json) and its UI (/docs), built from the route schemas.
 * Wrapped with fastify-plugin: @fastify/swagger collects routes through an onRoute hook, which
 * must live in the parent scope to see the routes registered after it.
 */
const openApi: FastifyPluginAsync = async (app) => {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Batchport API',
        version: '1.0.0',
        description: 'Upload contact files and follow them until they are queryable records.',
        // The package is private ("private": true, no license granted): say so rather than omit it.
        license: { name: 'Proprietary (UNLICENSED)' },
      },
      // Relative: the API answers at the origin that serves this document, wherever deployed.
      servers: [{ url: '/', description: 'The origin serving this document' }],
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      security: [{ bearerAuth: [] }],
    },
    transformObject: (documentObject) =>
      'openapiObject' in documentObject
        ? completeDocument(
            documentObject.openapiObject as OpenApiDocument & typeof documentObject.openapiObject,
          )
        : documentObject.swaggerObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get(
    '/openapi.json',
    {
      schema: {
        operationId: 'getOpenApiDocument',
        summary: 'This OpenAPI document',
        tags: ['docs'],
        security: [],
        response: {
          200: Type.Object({ openapi: Type.String() }, { additionalProperties: true }),
        },
      },
    },
    () => app.swagger(),
  );
};

export default fp(openApi, { name: 'batchport-openapi', fastify: '5.x' });
