import { describe, expect, it } from 'vitest';
import { pruneDeliveryLog } from '../../../src/webhooks/retention.js';

/** The retention round's paging over a stub of the repository call (its SQL: integration/webhooks/retention.test.ts). */
describe('pruneDeliveryLog', () => {
  const DAY = 86_400_000;

  function repository(pages: number[]) {
    const calls: Array<{ cutoff: Date; limit: number }> = [];
    return {
      calls,
      removeFinishedBefore: (cutoff: Date, limit: number) => {
        calls.push({ cutoff, limit });
        return Promise.resolve(pages.shift() ?? 0);
      },
    };
  }

  it('removes pages of 1,000 until a page comes back short, with the cutoff `retention` ago', async () => {
    const repo = repository([1_000, 1_000, 7]);
    const before = Date.now();
    expect(await pruneDeliveryLog(repo, 30 * DAY)).toBe(2_007);
    expect(repo.calls.map((c) => c.limit)).toEqual([1_000, 1_000, 1_000]);
    const cutoff = repo.calls[0]!.cutoff.getTime();
    expect(cutoff).toBeGreaterThanOrEqual(before - 30 * DAY);
    expect(cutoff).toBeLessThanOrEqual(Date.now() - 30 * DAY);
  });

  it('stops after 20 full pages in one round, and at once when the deliverer closes', async () => {
    const full = repository(Array.from({ length: 50 }, () => 1_000));
    expect(await pruneDeliveryLog(full, DAY)).toBe(20_000);
    expect(full.calls).toHaveLength(20);
    const closing = repository([1_000, 1_000]);
    let stopped = false;
    const removed = await pruneDeliveryLog(
      {
        removeFinishedBefore: async (cutoff, limit) => {
          stopped = true; // closed while this page ran
          return closing.removeFinishedBefore(cutoff, limit);
        },
      },
      DAY,
      () => stopped,
    );
    expect(removed).toBe(1_000);
    expect(closing.calls).toHaveLength(1);
  });
});
