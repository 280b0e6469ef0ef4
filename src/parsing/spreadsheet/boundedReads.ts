/**
 * SheetJS reads every BIFF field through one method, `read_shift(size, type)`, that it puts on each
 * buffer it reads from. Two of its loops never end on damaged input (one changed byte of a 6 KB
 * XLS is enough):
 * - its single-byte string reader loops while `i != size`, and a record too short for its own
 *   length field hands it `undefined` or `NaN`;
 * - past a buffer's end it reads zeros, so a loop counted by a damaged field (a property set
 *   claiming 2^31 properties) goes on for billions of reads.
 * Each turn pushes onto one array, which soon needs a single allocation larger than a parse
 * thread's heap limit: V8 then ends the whole worker process, not the thread (Node gives a thread
 * that reaches its limit 16 MB of leeway to stop), and every job that process was running stalls.
 *
 * Upstream has no release with a fix (0.20.3 is the last), so `withBoundedReads` wraps that method
 * for the duration of one synchronous `XLSX.read`: a string read whose loop would not end in time
 * (endsInTime), a zero-terminated read with no terminator left, or more than MAX_PAST_END_READS
 * reads past one buffer's end throws instead, and the caller reports a damaged workbook. Real
 * files keep reading as before: SheetJS does read past a record's end in some (xlwt's), a few
 * times, with 16-bit lengths. Nothing changes outside the call: the hook is removed in `finally`,
 * and nothing else runs on this thread while a synchronous read is in progress.
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
 * Reads a buffer may start at or past its end. SheetJS reads zeros there and real files make it
 * do so a few times (xlwt's WriteAccess record reads a garbage string, then steps back), but a loop
 * whose count came from a damaged field (a property set claiming 2^31 properties) would go on for
 * billions of reads.
 */
const MAX_PAST_END_READS = 65_536;
const PAST_END_READS = Symbol('pastEndReads');

/**
 * Whether SheetJS's string loop for this read ends in bounded time. `sbcs-cont` loops while
 * `i != size`, which only a whole, non-negative number ends; `dbcs-cont` and `dbcs` loop while
 * `i < size`, which always ends, but a 32-bit length would take billions of turns. Any length a
 * 16-bit field can hold passes (SheetJS reads such strings past a record's end in real files,
 * e.g. xlwt's WriteAccess record, and copes), as does one the buffer itself could hold.
 */
function endsInTime(type: string, size: unknown, buf: Uint8Array): boolean {
  if (typeof size !== 'number') {
    return type !== 'sbcs-cont';
  }
  if (type === 'sbcs-cont' && !(Number.isInteger(size) && size >= 0)) {
    return false;
  }
  return !(size > 0xffff && size > buf.length);
}

type SheetJsBuffer = Uint8Array & { l?: number; [PAST_END_READS]?: number };

function checkRead(buf: SheetJsBuffer, size: unknown, type: string | undefined): void {
  const at = typeof buf.l === 'number' ? buf.l : 0;
  if (at >= buf.length) {
    const reads = (buf[PAST_END_READS] ?? 0) + 1;
    buf[PAST_END_READS] = reads;
    if (reads > MAX_PAST_END_READS) {
      throw new UnboundedReadError(type ?? 'number', `${reads} reads past the end of ${buf.length} bytes`);
    }
  }
  if (type === 'cstr') {
    if (buf.indexOf(0, at) === -1) {
      throw new UnboundedReadError(type, 'no terminator');
    }
  } else if (type === '_wstr') {
    if (!hasWideTerminator(buf, at)) {
      throw new UnboundedReadError(type, 'no terminator');
    }
  } else if (
    (type === 'sbcs-cont' || type === 'dbcs-cont' || type === 'dbcs') &&
    !endsInTime(type, size, buf)
  ) {
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
