/**
 * Every authenticated route, read from the served `/openapi.json`, so the 401 matrices (unit and
 * integration) cover a new route the moment it is documented: nobody has to remember to add it.
 */
export interface ApiRoute {
  method: string;
  /** The documented path, e.g. `/api/batches/{id}/status`. */
  template: string;
  /** The path with every parameter filled with `id` (a route-shaped request that 401s first). */
  path: string;
  /** Answers a Server-Sent Events stream: only its headers can be awaited. */
  streams: boolean;
}

interface Operation {
  security?: unknown[];
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Routes under /api/ that do not opt out of the document's global bearer requirement. */
export function authenticatedRoutes(
  document: { paths: Record<string, Record<string, Operation>> },
  id: string,
): ApiRoute[] {
  const routes: ApiRoute[] = [];
  for (const [template, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const isPublic = Array.isArray(operation.security) && operation.security.length === 0;
      if (!template.startsWith('/api/') || !METHODS.includes(method) || isPublic) {
        continue;
      }
      const ok = operation.responses?.['200']?.content ?? {};
      routes.push({
        method: method.toUpperCase(),
        template,
        path: template.replace(/\{[^}]+\}/g, id),
        streams: 'text/event-stream' in ok,
      });
    }
  }
  return routes;
}

/** Routes the matrices must find in the document: a floor, so a broken derivation cannot pass empty. */
export const KNOWN_ROUTES = [
  'POST /api/batches/upload',
  'POST /api/batches/preview',
  'GET /api/batches/events',
  'GET /api/batches/{id}/status',
  'DELETE /api/batches/{id}',
  'GET /api/batches/{id}/records.csv',
  'GET /api/batches/{id}/records.vcf',
  'GET /api/batches/{id}/errors.csv',
  'GET /api/batches/{id}/records.ndjson',
  'POST /api/webhooks',
  'PATCH /api/webhooks/{id}',
  'POST /api/webhooks/{id}/deliveries/{deliveryId}/replay',
];
