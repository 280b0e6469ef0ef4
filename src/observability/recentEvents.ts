/**
 * How many times something happened in the last `windowMs`, in per-minute buckets: bounded
 * memory however often it happens (for /readyz details, where a running total would never drop).
 */
export function createRecentEvents(windowMs: number, now: () => number = Date.now) {
  const bucketMs = 60_000;
  const buckets = new Map<number, number>();

  function prune(at: number): void {
    for (const start of buckets.keys()) {
      if (start + bucketMs <= at - windowMs) {
        buckets.delete(start);
      }
    }
  }

  return {
    record(): void {
      const at = now();
      const start = at - (at % bucketMs);
      buckets.set(start, (buckets.get(start) ?? 0) + 1);
      prune(at);
    },
    count(): number {
      prune(now());
      let total = 0;
      for (const n of buckets.values()) {
        total += n;
      }
      return total;
    },
  };
}

export type RecentEvents = ReturnType<typeof createRecentEvents>;
