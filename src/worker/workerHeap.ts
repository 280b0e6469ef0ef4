import { getHeapStatistics } from 'node:v8';

/**
 * The V8 heap flags the worker role runs with: `npm run worker` (package.json, checked against
 * this list by test/unit/worker/workerHeap.test.ts), the cluster's workers, the bench's and the
 * fault suite's worker processes. Without them V8 sizes the main thread's heap for the machine
 * (a 64 MiB young generation, old space up to a quarter of RAM) and collects lazily: one 10 MB
 * file took the worker to 425–470 MiB, with them 236–290 MiB at the same speed
 * (docs/performance.md, "Worker memory: V8 flags"). Only flags NODE_OPTIONS also accepts.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--max-old-space-size=256'];

/** The old-space limit WORKER_NODE_FLAGS set (MB). */
const FLAGS_OLD_SPACE_MB = Number(
  WORKER_NODE_FLAGS.find((flag) => flag.startsWith('--max-old-space-size='))!.split('=')[1],
);

/**
 * Old space one running job may need on the main thread, with room: rows in flight from the
 * parse thread, the chunk writer's chunks and the records store's requests (measured peak of
 * three 10 MB files at once under WORKER_NODE_FLAGS: 360–376 MiB RSS, no failure).
 */
export const HEAP_PER_JOB_MB = 64;
/** Old space the idle worker holds (drivers, BullMQ, pino, the probes). */
export const HEAP_BASE_MB = 64;

/** The old space `concurrency` jobs at once need (MB). */
export const heapNeededMb = (concurrency: number): number => HEAP_BASE_MB + HEAP_PER_JOB_MB * concurrency;

/**
 * WORKER_NODE_FLAGS with the old-space limit raised for a concurrency above 3, for launchers that
 * know the concurrency they start a worker with (the fault suite's load test runs 4).
 */
export function workerNodeFlagsFor(concurrency: number): string[] {
  const oldSpaceMb = Math.max(FLAGS_OLD_SPACE_MB, heapNeededMb(concurrency));
  return WORKER_NODE_FLAGS.map((flag) =>
    flag.startsWith('--max-old-space-size=') ? `--max-old-space-size=${oldSpaceMb}` : flag,
  );
}

/**
 * A warning when the heap limit leaves too little room for `concurrency` jobs at once (an
 * operator raised WORKER_CONCURRENCY but kept the flags): V8 would end the process with "heap
 * out of memory" in the middle of the jobs. Null when the limit is enough.
 */
export function heapWarning(
  concurrency: number,
  heapLimitBytes: number = getHeapStatistics().heap_size_limit,
): string | null {
  const neededMb = heapNeededMb(concurrency);
  const limitMb = Math.floor(heapLimitBytes / (1024 * 1024));
  if (limitMb >= neededMb) {
    return null;
  }
  return (
    `WORKER_CONCURRENCY=${concurrency} needs about ${neededMb} MB of V8 heap, but this process has ` +
    `${limitMb} MB: start it with --max-old-space-size=${neededMb} (or lower WORKER_CONCURRENCY)`
  );
}
