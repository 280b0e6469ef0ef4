import { defineConfig } from 'vite';

/**
 * The web page (web/) bundled into dist/web, which the API serves at `/` (src/http/plugins/webApp.ts).
 * `npm run dev:web` serves it with hot reload and forwards the API's paths to `npm run dev` on :3000.
 */
const api = `http://127.0.0.1:${process.env.PORT ?? '3000'}`;

export default defineConfig({
  root: 'web',
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    // Maps are written next to the bundle for decoding error reports offline, but the bundle does
    // not point to them and the API never serves them (src/http/plugins/webApp.ts).
    sourcemap: 'hidden',
    reportCompressedSize: true,
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': api, '/web-config.json': api, '/docs': api, '/openapi.json': api },
  },
});
