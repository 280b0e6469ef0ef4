#!/usr/bin/env node
// The `batchport` command. An installed package (or a checkout after `npm run build`) runs the
// compiled CLI from dist/; a development checkout without a build runs the TypeScript source
// through tsx, so `npx batchport` works either way without a build step.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'cli', 'index.js');

if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  // tsx's ESM API registers its loader for this process only, then the source is imported as is.
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'src', 'cli', 'index.ts')).href);
}
