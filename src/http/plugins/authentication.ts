import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { User } from '../../domain/batch.js';
import { DependencyUnavailableError, UnauthorizedError } from '../../errors.js';
import type { AuthService } from '../../services/authService.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: User | null;
  }
}

export interface AuthenticationOptions {
  authService: AuthService;
}

/**
 * Authenticates every route of the scope it is registered in (the /api routes) and sets
 * `request.user`. Wrapped with fastify-plugin so the decorator and the hook reach the sibling
 * routes of that scope, and stop there: health and docs routes stay public.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
const authentication: FastifyPluginAsync<AuthenticationOptions> = async (scope, { authService }) => {
  scope.decorateRequest('user', null);
  scope.addHook('onRequest', async (request, reply) => {
    try {
      request.user = await authService.authenticate(request.headers.authorization);
    } catch (error) {
      if (error instanceof DependencyUnavailableError) {
        throw error; // the key set is unreachable: 503, the token was not judged
      }
      throw challenge(reply, error instanceof UnauthorizedError ? error : null);
    }
  });
};

/** Sets the RFC 6750 challenge header and returns the 401 to throw. */
function challenge(reply: FastifyReply, error: UnauthorizedError | null): UnauthorizedError {
  const description = error ? error.message : 'authentication failed';
  void reply.header(
    'www-authenticate',
    `Bearer realm="batchport", error="invalid_token", error_description="${description.replace(/"/g, "'")}"`,
  );
  return error ?? new UnauthorizedError('authentication failed');
}

export default fp(authentication, { name: 'batchport-authentication', fastify: '5.x' });

/** The authenticated user of a request behind the authentication plugin. */
export function currentUser(request: FastifyRequest): User {
  if (!request.user) {
    throw new UnauthorizedError('not authenticated');
  }
  return request.user;
}
