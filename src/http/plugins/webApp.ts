import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { ALLOWED_EXTENSIONS } from '../../validators/uploadValidators.js';
import { PAGE_CSP } from './securityHeaders.js';

export interface WebAppOptions {
  /** The folder Vite built the page into (holds index.html and assets/). */
  root: string;
  /** The upload limit the API enforces; the page checks it before sending. */
  maxFileSize: number;
  /** Whether the dev sign-in route exists (development secret only); the sign-in page offers it. */
  devSignIn: boolean;
}

/**
 * Where `npm run build` puts the page: `dist/web` at the repository root. This file sits three
 * folders deep both as source (src/http/plugins) and compiled (dist/http/plugins), so one
 * relative path serves `npm run dev` and `npm start` alike.
 */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

// Vite names every file under assets/ by its content hash: a changed file is a new URL, so a
// browser may keep one for a year. index.html names them, so it must be revalidated each time.
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

const NOT_BUILT =
  'The web app is not built. Run `npm run build` (or `npm run build:web`) and restart, ' +
  'or use `npm run dev:web` for the Vite dev server.\n';

/**
 * The browser page at `/`, built ahead of time by Vite. Registered as its own (encapsulated)
 * scope: its onSend hook runs after the app-wide security headers and replaces, for these routes
 * only, the API's `default-src 'none'` and `no-store` with the page's own CSP and caching.
 * `wildcard: false` gives each built file a route of its own, so nothing else (/api, /docs,
 * /openapi.json, /healthz) can be shadowed, and @fastify/static hides them from the OpenAPI doc.
 */
const webApp: FastifyPluginAsync<WebAppOptions> = async (app, { root, maxFileSize, devSignIn }) => {
  // Every route of this scope is the page, one of its files, or its settings.
  app.addHook('onSend', async (request, reply, payload) => {
    const hashed = request.url.startsWith('/assets/');
    void reply.header('cache-control', hashed ? IMMUTABLE : REVALIDATE);
    void reply.header('content-security-policy', PAGE_CSP);
    return payload;
  });
  // The page reads the limits from here rather than a copy of its own: one source of truth.
  app.get('/web-config.json', { schema: { hide: true } }, () => ({
    maxFileSize,
    allowedExtensions: ALLOWED_EXTENSIONS,
    devSignIn,
  }));

  if (!fs.existsSync(path.join(root, 'index.html'))) {
    app.get('/', { schema: { hide: true } }, (_request, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send(NOT_BUILT),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    // Source maps hold the page's whole source: built "hidden" (no reference in the bundle, for
    // error reports decoded offline) and never served, even if a build left one in the folder.
    allowedPath: (pathName) => !pathName.endsWith('.map'),
  });
};

export default webApp;
