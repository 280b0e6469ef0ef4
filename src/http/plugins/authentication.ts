import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { User } from '../../domain/batch.js';
import { DependencyUnavailableError, UnauthorizedError } from '../../errors.js';
import type { AuthService } from '../../services/authService.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: User | null;
  }
}

/** Adds an onRequest hook that authenticates every route of `scope` (the /api routes). */
export function registerAuthentication(scope: FastifyInstance, auth: AuthService): void {
  scope.addHook('onRequest', async (request, reply) => {
    try {
      request.user = await auth.authenticate(request.headers.authorization);
    } catch (error) {
      if (error instanceof DependencyUnavailableError) {
        throw error; // the key set is unreachable: 503, the token was not judged
      }
      const description = error instanceof UnauthorizedError ? error.message : 'authentication failed';
      void reply.header(
        'www-authenticate',
        `Bearer realm="batchport", error="invalid_token", error_description="${description.replace(/"/g, "'")}"`,
      );
      throw error instanceof UnauthorizedError ? error : new UnauthorizedError('authentication failed');
    }
  });
}

/** The authenticated user of a request behind `registerAuthentication`. */
export function currentUser(request: FastifyRequest): User {
  if (!request.user) {
    throw new UnauthorizedError('not authenticated');
  }
  return request.user;
}
