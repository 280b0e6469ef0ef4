import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError, FileContentError, NotFoundError } from '../../../src/errors.js';
import { MAX_OUTAGE_DELAY_MS, isOutage, nextOutageTry } from '../../../src/worker/jobFailure.js';

const policy = { windowMs: 15 * 60_000, backoffMs: 2_000 };

describe('nextOutageTry', () => {
  it('doubles the wait from the first backoff and caps it', () => {
    let outage: { since: number; tries: number } | undefined;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const next = nextOutageTry(outage, 1_000, policy);
      delays.push(next!.delayMs);
      outage = next!.outage;
    }
    expect(delays).toEqual([2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000, 30_000]);
    expect(MAX_OUTAGE_DELAY_MS).toBe(30_000);
    expect(outage).toEqual({ since: 1_000, tries: 8 });
  });

  it('keeps trying while the next try falls inside the window, then gives up', () => {
    const since = 0;
    expect(nextOutageTry({ since, tries: 20 }, policy.windowMs - 30_000, policy)).toEqual({
      delayMs: 30_000,
      outage: { since, tries: 21 },
    });
    expect(nextOutageTry({ since, tries: 20 }, policy.windowMs - 29_999, policy)).toBeNull();
  });

  it('gives up at once when even the first wait overruns a tiny window', () => {
    expect(nextOutageTry(undefined, 0, { windowMs: 1_000, backoffMs: 2_000 })).toBeNull();
  });
});

describe('isOutage', () => {
  it('is true for a dependency error, also wrapped, and for a raw socket error', () => {
    const down = new DependencyUnavailableError('down', { dependency: 'storage' });
    expect(isOutage(down)).toBe(true);
    expect(isOutage(new Error('chunk write failed', { cause: down }))).toBe(true);
    expect(isOutage(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
  });

  it('is false for bad content, a missing file and plain bugs', () => {
    expect(isOutage(new FileContentError('no contacts'))).toBe(false);
    expect(isOutage(new NotFoundError('stored file not found'))).toBe(false);
    expect(isOutage(new TypeError('x is undefined'))).toBe(false);
  });
});
