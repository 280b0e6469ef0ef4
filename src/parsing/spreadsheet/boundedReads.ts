/**
 * SheetJS reads every BIFF field through one method, `read_shift(size, type)`, that it puts on each
 * buffer it reads from. Its string readers loop until they have read `size` characters, testing
 * `i != size`; a record too short for its own length field (one flipped byte in a 6 KB XLS is
 * enough) hands them `undefined` or `NaN`, and the loop never ends. Each turn pushes a character
 * onto one array, which soon needs a single allocation larger than a parse thread's heap limit: V8
 * then ends the whole worker process, not the thread (Node gives a thread that reaches its limit
 * 16 MB of leeway to stop), and every job that process was running stalls with it.
 *
 * Upstream has no release with a fix (0.20.3 is the last), so `withBoundedReads` wraps that method
 * for the duration of one synchronous `XLSX.read`: a counted string read whose length is not a
 * whole number the buffer could hold, a zero-terminated read with no terminator left, or any read
 * starting far past the buffer's end (where SheetJS reads zeros, so a loop counted by a damaged
 * field runs for billions of turns) throws instead, and the caller reports a damaged workbook. Nothing is changed outside the call: the hook is removed in
 * `finally`, and nothing else runs on this thread while a synchronous read is in progress.
 */

type ReadShift = (this: Uint8Array, size: number, type?: string) => unknown;

/** Thrown by a read that would never end; the caller turns it into its "not a valid …" error. */
export class UnboundedReadError extends Error {
  constructor(type: string, detail: string) {
    super(`SheetJS asked for a ${type} read beyond its record (${detail})`);
  }
}

/** Whether a two-byte zero exists at an even distance from `from` (a `_wstr` terminator). */
function hasWideTerminator(buf: Uint8Array, from: number): boolean {
  for (let i = from; i + 1 < buf.length; i += 2) {
    if (buf[i] === 0 && buf[i + 1] === 0) {
      return true;
    }
  }
  return false;
}

/**
 * How far past its buffer's end a read may start. Past the end SheetJS reads zeros, so a loop
 * whose count came from a damaged field (a property set claiming 2^31 properties) would run for
 * billions of turns; a real file has no field there at all.
 */
const PAST_END_SLACK = 4096;

/** String reads that loop character by character until they have read `size` of them. */
const COUNTED_STRINGS = new Set(['sbcs-cont', 'dbcs-cont', 'dbcs']);

/** A whole number of characters that could come from the buffer (with the same slack). */
function plausibleLength(size: unknown, buf: Uint8Array): boolean {
  return Number.isInteger(size) && (size as number) >= 0 && (size as number) <= buf.length + PAST_END_SLACK;
}

function checkRead(buf: Uint8Array & { l?: number }, size: unknown, type: string | undefined): void {
  const at = typeof buf.l === 'number' ? buf.l : 0;
  if (at > buf.length + PAST_END_SLACK) {
    throw new UnboundedReadError(type ?? 'number', `${String(size)} at ${at} of ${buf.length}`);
  }
  if (type === 'cstr') {
    if (buf.indexOf(0, at) === -1) {
      throw new UnboundedReadError(type, 'no terminator');
    }
  } else if (type === '_wstr') {
    if (!hasWideTerminator(buf, at)) {
      throw new UnboundedReadError(type, 'no terminator');
    }
  } else if (type !== undefined && COUNTED_STRINGS.has(type) && !plausibleLength(size, buf)) {
    throw new UnboundedReadError(type, `${String(size)} characters`);
  }
}

/** The method SheetJS assigned, kept on the buffer under a key of our own. */
const ASSIGNED = Symbol('sheetJsReadShift');

let cache: { read: ReadShift; bounded: ReadShift } | null = null;

function bounded(read: ReadShift): ReadShift {
  // SheetJS assigns one and the same function to every buffer: wrap it once.
  if (cache?.read !== read) {
    const guard = function (this: Uint8Array, size: number, type?: string): unknown {
      checkRead(this, size, type);
      return read.call(this, size, type);
    };
    cache = { read, bounded: guard };
  }
  return cache.bounded;
}

/**
 * Runs `read` (a synchronous SheetJS call) with every `read_shift` SheetJS installs on a byte
 * buffer bounded as described above. SheetJS assigns the method per buffer (`blob.read_shift =
 * ReadShift`), sometimes twice; an accessor on Uint8Array.prototype takes every such assignment
 * and hands out the bounded method on every use.
 */
export function withBoundedReads<T>(read: () => T): T {
  const proto = Uint8Array.prototype as unknown as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(proto, 'read_shift')) {
    // Not reentrant by design: a synchronous read cannot start another one.
    throw new Error('withBoundedReads is already active');
  }
  Object.defineProperty(proto, 'read_shift', {
    configurable: true,
    get(this: Record<symbol, unknown>) {
      const assigned = this[ASSIGNED];
      return typeof assigned === 'function' ? bounded(assigned as ReadShift) : assigned;
    },
    set(this: Record<symbol, unknown>, value: unknown) {
      this[ASSIGNED] = value;
    },
  });
  try {
    return read();
  } finally {
    delete proto.read_shift;
  }
}
