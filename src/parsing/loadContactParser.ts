import type { openContactParser } from './openContactParser.js';

/**
 * The contact parser, imported on first use rather than at start. The worker's main thread
 * parses nothing when it has parse threads (they import the parser themselves), and the API
 * parses only for previews; a static import put the parsers, SheetJS and libphonenumber in
 * every process's heap anyway (issue #13: with the API app also imported lazily, the idle worker
 * went from ~172 to ~140 MiB RSS).
 */
export async function loadContactParser(): Promise<typeof openContactParser> {
  return (await import('./openContactParser.js')).openContactParser;
}
