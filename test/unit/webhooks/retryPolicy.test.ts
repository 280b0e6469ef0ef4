import { describe, expect, it } from 'vitest';
import { nextStep, retryAfterMs } from '../../../src/webhooks/retryPolicy.js';

const SCHEDULE = [0, 5_000, 300_000, 1_800_000];
const NOW = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);
const status = (statusCode: number | null, retryAfter: string | null = null) => ({ statusCode, retryAfter });

describe('webhook retry policy', () => {
  it('delivers on any 2xx', () => {
    for (const code of [200, 201, 204, 299]) {
      expect(nextStep(status(code), 0, SCHEDULE, NOW).state).toBe('delivered');
    }
  });

  it('follows the schedule after a failure, with jitter within ±10 %', () => {
    expect(nextStep(status(500), 0, SCHEDULE, NOW, () => 0.5)).toEqual({
      state: 'pending',
      nextAttemptAt: at(5_000),
      failed: true,
      disableReason: null,
    });
    expect(nextStep(status(null), 1, SCHEDULE, NOW, () => 0).nextAttemptAt).toEqual(at(270_000));
    expect(nextStep(status(302), 1, SCHEDULE, NOW, () => 1).nextAttemptAt).toEqual(at(330_000));
  });

  it('fails the delivery after the last step of the schedule', () => {
    expect(nextStep(status(500), 3, SCHEDULE, NOW)).toEqual({
      state: 'failed',
      nextAttemptAt: null,
      failed: true,
      disableReason: null,
    });
  });

  it('disables the endpoint on 410 at once, whatever the schedule says', () => {
    expect(nextStep(status(410), 0, SCHEDULE, NOW)).toMatchObject({
      state: 'failed',
      disableReason: expect.stringMatching(/410 Gone/),
    });
  });

  it('honours Retry-After on 429, 502, 503 and 504 only', () => {
    for (const code of [429, 502, 503, 504]) {
      expect(nextStep(status(code, '120'), 0, SCHEDULE, NOW, () => 0.5).nextAttemptAt, String(code)).toEqual(
        at(120_000),
      );
    }
    expect(nextStep(status(500, '120'), 0, SCHEDULE, NOW, () => 0.5).nextAttemptAt).toEqual(at(5_000));
  });

  it('reads Retry-After as seconds or an HTTP date, capped at 24 h', () => {
    expect(retryAfterMs('30', NOW)).toBe(30_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:01:00 GMT', NOW)).toBe(60_000);
    expect(retryAfterMs('999999', NOW)).toBe(24 * 3_600_000);
    expect(retryAfterMs('soon', NOW)).toBeNull();
    expect(retryAfterMs(null, NOW)).toBeNull();
  });
});
