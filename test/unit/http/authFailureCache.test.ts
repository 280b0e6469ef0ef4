import { describe, expect, it } from 'vitest';
import {
  cachedFailureCounter,
  memoryFailureCounter,
  type FailureCounter,
} from '../../../src/http/plugins/authFailureLimit.js';

/** The shared counter as another instance would see it, with a tally of reads (a test double). */
function countingShared(): { counter: FailureCounter; reads: () => number } {
  const inner = memoryFailureCounter();
  let reads = 0;
  return {
    counter: {
      peek(key) {
        reads += 1;
        return inner.peek(key);
      },
      fail: (key) => inner.fail(key),
    },
    reads: () => reads,
  };
}

describe('cached failed-authentication counter', () => {
  it('reads the shared counter once per address and cache period, not once per request', async () => {
    let clock = 1_000;
    const shared = countingShared();
    const cached = cachedFailureCounter(shared.counter, { ttlMs: 1_000, now: () => clock });
    for (let i = 0; i < 50; i++) {
      expect((await cached.peek('10.0.0.1')).count).toBe(0);
    }
    expect(shared.reads()).toBe(1);
    clock += 1_000;
    await cached.peek('10.0.0.1');
    expect(shared.reads()).toBe(2);
    await cached.peek('10.0.0.2');
    expect(shared.reads()).toBe(3);
  });

  it("sees this instance's own failures at once", async () => {
    const shared = countingShared();
    const cached = cachedFailureCounter(shared.counter, { ttlMs: 60_000, now: () => 5_000 });
    expect((await cached.peek('10.0.0.1')).count).toBe(0);
    await cached.fail('10.0.0.1');
    await cached.fail('10.0.0.1');
    expect((await cached.peek('10.0.0.1')).count).toBe(2);
  });

  it("sees another instance's failures once the cache period is over", async () => {
    let clock = 0;
    const shared = countingShared();
    const here = cachedFailureCounter(shared.counter, { ttlMs: 1_000, now: () => clock });
    expect((await here.peek('10.0.0.1')).count).toBe(0);
    await shared.counter.fail('10.0.0.1'); // counted by another API instance
    clock = 999;
    expect((await here.peek('10.0.0.1')).count).toBe(0);
    clock = 1_000;
    expect((await here.peek('10.0.0.1')).count).toBe(1);
  });

  it('keeps at most maxKeys addresses, dropping the oldest', async () => {
    const shared = countingShared();
    const cached = cachedFailureCounter(shared.counter, { ttlMs: 60_000, maxKeys: 2, now: () => 0 });
    await cached.peek('a');
    await cached.peek('b');
    await cached.peek('c'); // evicts a
    expect(shared.reads()).toBe(3);
    await cached.peek('b');
    await cached.peek('c');
    expect(shared.reads()).toBe(3);
    await cached.peek('a');
    expect(shared.reads()).toBe(4);
  });

  it('answers the time left in the window from the cached read', async () => {
    let clock = 0;
    const cached = cachedFailureCounter(
      { peek: () => Promise.resolve({ count: 7, ttlMs: 30_000 }), fail: () => Promise.resolve() },
      { ttlMs: 1_000, now: () => clock },
    );
    await cached.peek('a');
    clock = 400;
    expect(await cached.peek('a')).toEqual({ count: 7, ttlMs: 29_600 });
  });
});
