import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { errorBody } from '../schemas/errorSchemas.js';

interface KnownPath {
  /** Matches the concrete paths of one route URL (`:param` and `*` filled in). */
  pattern: RegExp;
  /** Static paths win over parametric ones, as in the router (`/batches/stats` vs `/batches/:id`). */
  isStatic: boolean;
  methods: Set<string>;
}

function toPattern(url: string): RegExp {
  const source = url
    .split(/(:[A-Za-z0-9_]+|\*)/)
    .map((piece) => {
      if (piece === '*') {
        return '.*';
      }
      return piece.startsWith(':') ? '[^/]+' : piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`);
}

/** The methods some route answers on this path, or null when no route has the path at all. */
function allowedMethods(known: Iterable<KnownPath>, path: string): string[] | null {
  const matches = [...known].filter((k) => k.pattern.test(path));
  const exact = matches.filter((k) => k.isStatic);
  const chosen = exact.length > 0 ? exact : matches;
  if (chosen.length === 0) {
    return null;
  }
  return [...new Set(chosen.flatMap((k) => [...k.methods]))].sort();
}

/**
 * A known path asked with a method none of its routes has answers 405 with `Allow` (RFC 9110),
 * not 404. Decided in onRequest, before body parsing, so a body method the router does not know
 * (e.g. QUERY without a Content-Type) never fails parsing first. Wrapped with fastify-plugin:
 * the onRoute hook must see every route and the onRequest hook must run for unmatched requests.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
const methodNotAllowed: FastifyPluginAsync = async (app) => {
  const known = new Map<string, KnownPath>();
  app.addHook('onRoute', (route) => {
    const entry = known.get(route.url) ?? {
      pattern: toPattern(route.url),
      isStatic: !/[:*]/.test(route.url),
      methods: new Set<string>(),
    };
    for (const method of [route.method].flat()) {
      entry.methods.add(method);
    }
    known.set(route.url, entry);
  });

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    // A parametric route also matches a static path (DELETE /batches/:id takes /batches/stats);
    // the static path's own methods decide, as they do for GET.
    // A static route's pattern matches its own URL only: one map lookup, not a regex per route
    // on every request (it showed in the read bench's profile).
    const exact = known.get(path);
    const staticPath = exact?.isStatic === true ? exact : undefined;
    const matched = request.routeOptions.url !== undefined;
    if (matched && (!staticPath || staticPath.methods.has(request.method))) {
      return;
    }
    const allowed = allowedMethods(known.values(), path);
    if (allowed === null || allowed.includes(request.method)) {
      return;
    }
    return reply
      .status(405)
      .header('allow', allowed.join(', '))
      .send(errorBody(request.id, 'method_not_allowed', `${request.method} is not allowed here`));
  });
};

export default fp(methodNotAllowed, { name: 'batchport-method-not-allowed', fastify: '5.x' });
