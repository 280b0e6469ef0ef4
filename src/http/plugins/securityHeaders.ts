import helmet from '@fastify/helmet';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The JSON and CSV answers never need a script, a style or a frame: nothing may load at all.
 * Only the Swagger UI at /docs needs inline scripts and styles, so only it gets them.
 */
const API_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/**
 * The web page (served by the webApp plugin, which sets this on its own routes): its own
 * scripts, styles and API calls only, nothing inline. Uppy shows thumbnails from blob: URLs and
 * its stylesheet embeds small data: images.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const isDocs = (url: string) => url === '/docs' || url.startsWith('/docs/') || url.startsWith('/docs?');

/**
 * Security headers on every answer. Wrapped with fastify-plugin because helmet's hooks must
 * reach the whole app, not only this plugin's scope.
 */
const securityHeaders: FastifyPluginAsync = async (app) => {
  await app.register(helmet, { contentSecurityPolicy: false });
  // onSend: set on every answer, errors and 404s included, whatever a route did before.
  app.addHook('onSend', async (request, reply, payload) => {
    const docs = isDocs(request.url);
    void reply.header('content-security-policy', docs ? DOCS_CSP : API_CSP);
    if (!docs) {
      // Answers carry personal data (records, error CSVs) and depend on the bearer token: no
      // browser or intermediary may keep a copy. The docs' static files may be cached.
      void reply.header('cache-control', 'no-store');
    }
    return payload;
  });
};

export default fp(securityHeaders, { name: 'batchport-security-headers', fastify: '5.x' });
