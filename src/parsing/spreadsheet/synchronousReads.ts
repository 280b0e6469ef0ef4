/**
 * SheetJS reads a whole XLS or XLSB workbook in one synchronous call. A damaged file can make
 * that call loop without reading or allocating (its formula reader, `parse_Rgce`, loops
 * `while (target != blob.l)` with a NaN target: one changed byte of a 6 KB XLS), which neither
 * boundedReads.ts nor the thread's heap limit can see, and the thread cannot answer its port
 * until the call returns. So the parser says when such a call starts and how much it reads, and
 * whoever runs it (the parse pool, src/worker/parsePool.ts) gives the call a deadline scaled to
 * that size instead of the whole file's parse timeout (120 s by default).
 *
 * The listener lives on globalThis: run from source, a parse thread can load this module twice
 * (its static imports as CommonJS, the lazily imported spreadsheet parser as ESM), and both
 * copies must reach the one listener the thread set.
 */
/** `bytes` of workbook data when a read starts, null when it has returned (or thrown). */
type Listener = (bytes: number | null) => void;

const SLOT = Symbol.for('batchport.synchronousReadListener');

interface Slot {
  [SLOT]?: Listener | null;
}

/** Sets (or, with null, removes) the one listener of this thread. */
export function watchSynchronousReads(listener: Listener | null): void {
  (globalThis as Slot)[SLOT] = listener;
}

/** Called just before a synchronous whole-workbook read of `bytes` bytes of workbook data. */
export function synchronousReadStarts(bytes: number): void {
  (globalThis as Slot)[SLOT]?.(bytes);
}

/** Called when that read has returned or thrown. */
export function synchronousReadEnds(): void {
  (globalThis as Slot)[SLOT]?.(null);
}
