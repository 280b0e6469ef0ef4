import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { FileContentError } from '../errors.js';
import { flatten } from '../parsing/flatten.js';
import type {
  BatchedContactParser,
  ContactParser,
  ParseDetails,
  ParseOptions,
  ParsedRow,
} from '../parsing/types.js';
import { ParseClock, parseTimeoutError } from './parseClock.js';
import type { FromThread, ParseTask, ToThread } from './parseProtocol.js';

/**
 * Opens a parser for one stored file: in this thread (openContactParser) or in the pool. In the
 * pool, aborting `signal` (a preview's client went away) fails the rows with `signal.reason` and
 * stops the thread's work on the file.
 */
export type ParserFactory = (input: Readable, options: ParseOptions, signal?: AbortSignal) => ContactParser;

export interface ParsePool {
  open: ParserFactory;
  readonly threads: number;
  /** The piscina pool itself (its threads, queue and utilisation). */
  readonly piscina: Piscina<ParseTask, void>;
  /** Ends the threads; tasks still running fail (their jobs are retried). */
  close(): Promise<void>;
}

/** Rows per message: large enough that cloning dominates the per-message cost, small for memory. */
const BATCH_ROWS = 500;
/** Batches the thread may send ahead of the job: parsing overlaps the job's writes. */
const CREDITS = 2;

/**
 * Where the thread's code is. From the build it is `parseThread.js` beside this file. From
 * source (tsx, vitest) it is the `.ts` file, which a thread can load only with tsx's loader:
 * tsx's CLI and `node --import tsx` pass theirs down through execArgv (threads inherit it);
 * vitest loads sources its own way, so `--import tsx` is added for the threads there.
 */
function threadEntry(): { filename: string; execArgv?: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const filename = new URL(fromSource ? './parseThread.ts' : './parseThread.js', import.meta.url).href;
  if (!fromSource || process.execArgv.some((a) => a.includes('tsx'))) {
    return { filename };
  }
  return { filename, execArgv: [...process.execArgv, '--import', 'tsx'] };
}

/** Old-generation heap of a parse thread when the caller sets none (WORKER_PARSE_THREAD_HEAP_MB). */
export const DEFAULT_THREAD_HEAP_MB = 256;
/** Parse time (ParseClock) of one file when the caller sets none (WORKER_PARSE_TIMEOUT_MS). */
export const DEFAULT_PARSE_TIMEOUT_MS = 120_000;
/** How often a task's parse time is compared with its deadline. */
const DEADLINE_CHECK_MS = 100;
/**
 * How long a task told to stop may take to notice before its thread is ended. A thread notices
 * between rows; one inside a long synchronous step (SheetJS reading an XLS) is terminated, and
 * piscina starts a fresh one.
 */
const STOP_GRACE_MS = 1_000;

export interface ParsePoolLimits {
  /** Old-generation heap of each thread, MiB. */
  heapMb?: number | undefined;
  /** Parse time of one file (see ParseClock) after which it fails with a content error. */
  parseTimeoutMs?: number | undefined;
  /** Deadline of one synchronous whole-workbook read (synchronousReadBudgetMs); tests shorten it. */
  synchronousRead?: SynchronousReadBudget | undefined;
}

/** A synchronous workbook read's deadline: `baseMs` plus `msPerMib` per MiB of workbook data. */
export interface SynchronousReadBudget {
  baseMs: number;
  msPerMib: number;
}

/**
 * SheetJS reads an 11 MB XLS in ~0.65 s on the 2-core dev box (docs/performance.md), ~60 ms per
 * MiB: 2 s per MiB leaves a loaded machine 30 times that, and the base covers the code pages'
 * first load and a small file on a busy thread. A damaged 6 KB XLS that never ends its read
 * (src/parsing/spreadsheet/synchronousReads.ts) then costs its thread 5 s instead of the whole
 * parse timeout.
 */
export const DEFAULT_SYNCHRONOUS_READ: SynchronousReadBudget = { baseMs: 5_000, msPerMib: 2_000 };

export function synchronousReadBudgetMs(bytes: number, budget: SynchronousReadBudget): number {
  return budget.baseMs + Math.ceil((bytes / (1024 * 1024)) * budget.msPerMib);
}

/** The content error of a workbook whose synchronous read ran past its deadline. */
export function synchronousReadTimeoutError(limitMs: number): FileContentError {
  const seconds = Math.round(limitMs / 100) / 10;
  return new FileContentError(
    `the workbook could not be read within ${seconds} s, the limit for a file of its size; it is ` +
      'probably damaged (open it in Excel and save it again, or save it as CSV)',
  );
}
/**
 * Young generation of a parse thread. Rows are short-lived garbage; without a limit V8 sizes the
 * young generation for a multi-GiB heap and one 10 MB file grew the worker by ~180 MiB (bench).
 */
const THREAD_YOUNG_GENERATION_MB = 8;

/** One pool per worker process; `threads` parse tasks run at once, more wait in its queue. */
export function createParsePool(threads: number, limits: ParsePoolLimits = {}): ParsePool {
  const heapMb = limits.heapMb ?? DEFAULT_THREAD_HEAP_MB;
  const timeoutMs = limits.parseTimeoutMs ?? DEFAULT_PARSE_TIMEOUT_MS;
  const synchronousRead = limits.synchronousRead ?? DEFAULT_SYNCHRONOUS_READ;
  const pool = new Piscina<ParseTask, void>({
    ...threadEntry(),
    // One thread waits ready; the others start when files are parsed at once and end after
    // idleTimeout. A worker that reads one file at a time holds one parse heap, not `threads`.
    minThreads: Math.min(threads, 1),
    maxThreads: threads,
    idleTimeout: 60_000,
    // Tasks are asynchronous (they wait on their port); threads must not sleep between messages.
    atomics: 'disabled',
    resourceLimits: {
      maxOldGenerationSizeMb: heapMb,
      maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB,
    },
  });
  return {
    threads,
    piscina: pool,
    open: (input, options, signal) =>
      openInPool(pool, input, options, { heapMb, timeoutMs, synchronousRead }, signal),
    close: () => pool.destroy(),
  };
}

/**
 * Why a task's thread ended. Running out of its heap is the file's doing (the same file would
 * exhaust it again), so the batch fails with a message instead of being retried; any other
 * thread death is the worker's, and the job is retried.
 */
function threadFailure(error: unknown, heapMb: number): Error {
  if ((error as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new FileContentError(
      `the file needs more than ${heapMb} MB of memory to read: split a large file into smaller ones; ` +
        'a small one is probably damaged (open it and save it again)',
    );
  }
  return new Error('the parse thread failed', { cause: error });
}

/**
 * Feeds the stored file to the thread, one chunk per `pull`. The bytes are copied once (a storage
 * chunk may share its ArrayBuffer with other buffers, so it cannot be transferred itself) and the
 * copy is transferred.
 */
function inputFeeder(input: Readable, port: MessagePort, fail: (error: unknown) => void, sent: () => void) {
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const post = (m: ToThread) => {
    // A chunk's copy is moved to the thread, not cloned a second time.
    port.postMessage(m, m.type === 'chunk' ? [m.data.buffer as ArrayBuffer] : []);
    sent();
  };
  return {
    pull(): void {
      chunks.next().then(
        (r) => {
          if (r.done === true) {
            post({ type: 'end' });
          } else {
            const buf = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
            post({ type: 'chunk', data: new Uint8Array(buf) });
          }
        },
        (error: unknown) => fail(error),
      );
    },
  };
}

/**
 * The thread's state as the job side sees it, driving the task's ParseClock: it runs once the
 * thread has started on the task, while the thread has a credit to use and is not waiting for
 * an input chunk.
 */
function taskClock() {
  const clock = new ParseClock();
  let started = false;
  let pulling = false;
  let credits = CREDITS;
  const update = () => clock.set(started && !pulling && credits > 0);
  return {
    clock,
    message(m: FromThread): void {
      started = true;
      pulling = m.type === 'pull' ? true : pulling;
      credits -= m.type === 'rows' ? 1 : 0;
      update();
    },
    chunkSent(): void {
      pulling = false;
      update();
    },
    creditGranted(): void {
      credits++;
      update();
    },
  };
}

/** The job's side of one parse task: a ContactParser whose rows come from a pool thread. */
function openInPool(
  pool: Piscina<ParseTask, void>,
  input: Readable,
  options: ParseOptions,
  limits: { heapMb: number; timeoutMs: number; synchronousRead: SynchronousReadBudget },
  signal?: AbortSignal,
): BatchedContactParser {
  // The input can fail before the thread first pulls from it (a storage read; the preview's upload
  // meter refusing a tiny file at its end). With no listener that 'error' is an uncaught exception
  // that ends the process; the error itself still reaches the parse through the iterator's next().
  input.on('error', () => undefined);
  let progress = 0;
  let details: ParseDetails = {
    encoding: null,
    delimiter: null,
    headerRow: null,
    mapping: null,
    mappingSource: null,
    savedMappingId: null,
    regionInference: null,
  };

  async function* batches(): AsyncGenerator<ParsedRow[]> {
    const { port1, port2 } = new MessageChannel();
    const batches: ParsedRow[][] = [];
    let finished = false;
    // Storage errors keep their class (the job retries them); content errors get theirs back.
    const failure: { error: Error | null } = { error: null };
    let wake: (() => void) | null = null;
    const fail = (error: unknown) => {
      failure.error ??= error instanceof Error ? error : new Error(String(error));
      wake?.();
    };
    const state = taskClock();
    const feeder = inputFeeder(input, port1, fail, () => state.chunkSent());
    // A synchronous workbook read in progress: when it must end, and its limit.
    let reading: { endsAt: number; limitMs: number } | null = null;
    port1.on('message', (m: FromThread) => {
      state.message(m);
      reading = null; // `readEnded`, or any message after `reading`: that read has returned
      if (m.type === 'reading') {
        const limitMs = synchronousReadBudgetMs(m.bytes, limits.synchronousRead);
        reading = { endsAt: performance.now() + limitMs, limitMs };
      } else if (m.type === 'pull') {
        feeder.pull();
      } else if (m.type === 'rows') {
        batches.push(m.rows);
        progress = Math.max(progress, m.progress);
        details = m.details;
      } else if (m.type === 'done') {
        finished = true;
        details = m.details;
      } else if (m.type === 'error') {
        fail(m.content ? new FileContentError(m.message) : new Error(`parsing failed: ${m.message}`));
      }
      wake?.();
    });
    // Aborting a running task makes piscina end its thread: the deadline holds even for a thread
    // stuck in synchronous work, which never reads its port.
    const abort = new AbortController();
    let timedOut: FileContentError | null = null;
    const deadline = setInterval(() => {
      if (state.clock.elapsedMs() > limits.timeoutMs) {
        timedOut = parseTimeoutError(limits.timeoutMs);
        abort.abort();
      } else if (reading !== null && performance.now() > reading.endsAt) {
        timedOut = synchronousReadTimeoutError(reading.limitMs);
        abort.abort();
      }
    }, DEADLINE_CHECK_MS);
    deadline.unref();
    const cancel = () => fail(signal?.reason);
    signal?.addEventListener('abort', cancel, { once: true });
    if (signal?.aborted === true) {
      cancel();
    }
    let settled = false;
    const task = pool
      .run(
        { port: port2, options: { ...options }, batchRows: BATCH_ROWS },
        { transferList: [port2], signal: abort.signal },
      )
      .catch((error: unknown) => fail(timedOut ?? threadFailure(error, limits.heapMb)))
      .finally(() => (settled = true));
    try {
      for (let i = 0; i < CREDITS; i++) {
        port1.postMessage({ type: 'credit' } satisfies ToThread);
      }
      for (;;) {
        const batch = batches.shift();
        if (batch) {
          port1.postMessage({ type: 'credit' } satisfies ToThread);
          state.creditGranted();
          yield batch;
        } else if (failure.error !== null) {
          throw failure.error;
        } else if (finished) {
          break;
        } else {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        }
      }
      progress = 1;
    } finally {
      clearInterval(deadline);
      signal?.removeEventListener('abort', cancel);
      if (!finished) {
        port1.postMessage({ type: 'stop' } satisfies ToThread);
        input.destroy();
        await Promise.race([task, sleep(STOP_GRACE_MS, undefined, { ref: false })]);
        if (!settled) {
          abort.abort();
        }
      }
      await task;
      port1.close();
    }
  }

  const batched = batches();
  return { rows: flatten(batched), batches: batched, progress: () => progress, details: () => details };
}
