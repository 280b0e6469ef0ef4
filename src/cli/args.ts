import { InvalidArgumentError } from 'commander';

export const BATCH_STATUSES = ['uploaded', 'parsing', 'parsed', 'loaded', 'error'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];
export const RECORD_FORMATS = ['csv', 'jsonl', 'vcf'] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Commander argument parsers: an InvalidArgumentError becomes a usage error (exit 2). */
export function intInRange(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return Number(value);
  };
}

export function oneOf<T extends string>(allowed: readonly T[]): (value: string) => T {
  return (value) => {
    const match = allowed.find((candidate) => candidate === value);
    if (match === undefined) {
      throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}`);
    }
    return match;
  };
}

/** Checked before any request so a typo is a usage error, not a 400 from the server. */
export function batchId(value: string): string {
  if (!UUID_RE.test(value)) {
    throw new InvalidArgumentError('expected a batch id (UUID)');
  }
  return value.toLowerCase();
}

/** A UUID argument other than a batch id (webhook endpoint, delivery), named in the error. */
export function uuidOf(what: string): (value: string) => string {
  return (value) => {
    if (!UUID_RE.test(value)) {
      throw new InvalidArgumentError(`expected ${what} (UUID)`);
    }
    return value.toLowerCase();
  };
}
