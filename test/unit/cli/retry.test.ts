import { describe, expect, it } from 'vitest';
import { retryDelayMs, withRetry, type RetryPolicy } from '../../../src/cli/retry.js';

const POLICY: RetryPolicy = { attempts: 3, fallbackMs: 1_000, maxDelayMs: 60_000 };
const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('retryDelayMs', () => {
  it('honours delta-seconds', () => {
    expect(retryDelayMs('5', 1, POLICY, NOW)).toBe(5_000);
    expect(retryDelayMs(' 0 ', 1, POLICY, NOW)).toBe(0);
  });

  it('honours an HTTP-date, never negative', () => {
    expect(retryDelayMs('Thu, 01 Jan 2026 00:00:07 GMT', 1, POLICY, NOW)).toBe(7_000);
    expect(retryDelayMs('Wed, 31 Dec 2025 23:59:00 GMT', 1, POLICY, NOW)).toBe(0);
  });

  it('falls back to doubling waits when the header is missing or unusable', () => {
    expect(retryDelayMs(null, 1, POLICY, NOW)).toBe(1_000);
    expect(retryDelayMs('soon', 2, POLICY, NOW)).toBe(2_000);
    expect(retryDelayMs('-3', 3, POLICY, NOW)).toBe(4_000);
  });

  it('caps every wait', () => {
    expect(retryDelayMs('86400', 1, POLICY, NOW)).toBe(60_000);
  });
});

describe('withRetry', () => {
  const answer = (status: number, retryAfter?: string) => ({
    response: new Response(null, { status, headers: retryAfter ? { 'retry-after': retryAfter } : {} }),
  });

  it('retries 429 and 503 after their Retry-After, then returns the success', async () => {
    const statuses = [answer(429, '2'), answer(503, '1'), answer(200)];
    const waits: number[] = [];
    let sends = 0;
    const result = await withRetry(() => Promise.resolve(statuses[sends++]!), {
      policy: POLICY,
      sleep: (ms) => Promise.resolve(void waits.push(ms)),
    });
    expect(result.response.status).toBe(200);
    expect(waits).toEqual([2_000, 1_000]);
  });

  it('gives up after the last attempt and returns that answer', async () => {
    let sends = 0;
    const result = await withRetry(() => Promise.resolve((sends++, answer(429, '1'))), {
      policy: POLICY,
      sleep: () => Promise.resolve(),
    });
    expect(result.response.status).toBe(429);
    expect(sends).toBe(3);
  });

  it('does not retry other errors', async () => {
    let sends = 0;
    const result = await withRetry(() => Promise.resolve((sends++, answer(500))), {
      policy: POLICY,
      sleep: () => Promise.resolve(),
    });
    expect([result.response.status, sends]).toEqual([500, 1]);
  });
});
