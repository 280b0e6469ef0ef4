import os from 'node:os';

/** The nice value of a parse thread: its process's event loop and other processes go first. */
export const PARSE_THREAD_NICE = 10;

/**
 * Parse threads yield the CPU to the event loops of their process (the API answering requests
 * and /healthz, the worker renewing its job locks): nice +10 for the calling thread only. On
 * Linux, nice is per thread and pid 0 means the calling thread; elsewhere it would lower the
 * whole process, so it is left alone there. Threads this thread starts later inherit it.
 */
export function lowerThisThreadPriority(): void {
  if (process.platform === 'linux') {
    os.setPriority(0, Math.max(os.getPriority(0), PARSE_THREAD_NICE));
  }
}
