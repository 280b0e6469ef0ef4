import { FileContentError } from '../errors.js';

/**
 * Parse time of one pool task: wall time while its thread works on the file, paused while the
 * thread waits for the job (no credit left: the job is writing rows), for the next input chunk
 * (storage, or a preview's upload still arriving) or for a free thread (queued in the pool). A
 * file's parse time therefore does not grow with a slow records store or a busy pool, and a
 * deadline on it catches a file that keeps a thread busy without producing rows.
 */
export class ParseClock {
  private spent = 0;
  private since: number | null = null;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Starts or pauses the clock; setting the state it is already in changes nothing. */
  set(running: boolean): void {
    if (running && this.since === null) {
      this.since = this.now();
    } else if (!running && this.since !== null) {
      this.spent += this.now() - this.since;
      this.since = null;
    }
  }

  elapsedMs(): number {
    return this.spent + (this.since === null ? 0 : this.now() - this.since);
  }
}

/** The content error of a file whose parse ran past its deadline: the same file would again. */
export function parseTimeoutError(limitMs: number): FileContentError {
  const seconds = Math.round(limitMs / 100) / 10;
  return new FileContentError(
    `reading the file took more than ${seconds} s, the limit; it is not a usual contact file ` +
      '(save it as CSV, or split it into smaller files, and upload it again)',
  );
}
