import { describe, expect, it } from 'vitest';
import { createRecentEvents } from '../../../src/observability/recentEvents.js';

describe('createRecentEvents', () => {
  it('counts what happened in the window and forgets what is older', () => {
    let now = 10 * 60_000;
    const recent = createRecentEvents(5 * 60_000, () => now);
    recent.record();
    recent.record();
    now += 2 * 60_000;
    recent.record();
    expect(recent.count()).toBe(3);
    now += 4 * 60_000; // the first two are now 6 min old
    expect(recent.count()).toBe(1);
    now += 10 * 60_000;
    expect(recent.count()).toBe(0);
  });
});
