import { setImmediate as nextTurn } from 'node:timers/promises';

/** Longest stretch of synchronous parsing between two turns of the event loop. */
export const MAX_SYNC_SLICE_MS = 10;

/**
 * Gives the event loop a turn once `everyMs` of work have passed since the last one, so a parser
 * working through an input that yields no rows (blank lines, empty sheet rows) never holds the
 * thread it runs on: timers, I/O and the parse pool's port messages (stop, credit) still run.
 */
export function createLoopYielder(everyMs = MAX_SYNC_SLICE_MS): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last >= everyMs) {
      await nextTurn();
      last = performance.now();
    }
  };
}
