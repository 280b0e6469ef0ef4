import { describe, expect, it } from 'vitest';
import {
  createSyncedStore,
  type SharedWindowCounter,
  type SyncedStore,
} from '../../../src/http/plugins/syncedRateLimitStore.js';

const WINDOW_MS = 60_000;

/** Redis as the store sees it (a test double): per-key counts in fixed windows, calls tallied. */
function sharedCounter(now: () => number) {
  const keys = new Map<string, { count: number; endsAt: number }>();
  let calls = 0;
  let down = false;
  const counter: SharedWindowCounter = {
    add(key, n, windowMs) {
      calls += 1;
      if (down) {
        return Promise.reject(new Error('connect ECONNREFUSED'));
      }
      const at = now();
      let k = keys.get(key);
      if (!k || k.endsAt <= at) {
        k = { count: 0, endsAt: at + windowMs };
        keys.set(key, k);
      }
      k.count += n;
      return Promise.resolve({ count: k.count, ttlMs: k.endsAt - at });
    },
  };
  return {
    counter,
    calls: () => calls,
    count: (key: string) => keys.get(key)?.count ?? 0,
    setDown: (value: boolean) => {
      down = value;
    },
  };
}

function incr(store: SyncedStore, key: string): Promise<{ current: number; ttl: number }> {
  return new Promise((resolve, reject) => {
    store.incr(
      key,
      (error, result) => (result ? resolve(result) : reject(error ?? new Error('no result'))),
      WINDOW_MS,
      100,
    );
  });
}

function setup(syncMs = 250) {
  const clock = { at: 1_000 };
  const now = () => clock.at;
  const shared = sharedCounter(now);
  const store = (ns = '') => createSyncedStore(shared.counter, { syncMs, now }, ns);
  return { clock, shared, store };
}

describe('synced rate-limit store', () => {
  it('asks Redis once when a window opens, then counts locally (exact for one instance)', async () => {
    const { shared, store } = setup();
    const a = store();
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      seen.push((await incr(a, 'user-1')).current);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(shared.calls()).toBe(1);
    expect(shared.count('user-1')).toBe(1);
    await a.sync();
    expect(shared.calls()).toBe(2);
    expect(shared.count('user-1')).toBe(5);
  });

  it("sees another instance's requests once both have synced", async () => {
    const { shared, store } = setup();
    const a = store();
    const b = store();
    for (let i = 0; i < 4; i++) {
      await incr(a, 'user-1');
    }
    await a.sync();
    // b's first request opens its window from the shared count, which holds a's four.
    expect((await incr(b, 'user-1')).current).toBe(5);
    expect((await incr(b, 'user-1')).current).toBe(6);
    await b.sync();
    await incr(a, 'user-1'); // a's own count: 4 at its last sync + 1
    await a.sync(); // the reply brings b's requests
    expect((await incr(a, 'user-1')).current).toBe(8);
    expect(shared.count('user-1')).toBe(7);
  });

  it('every request asks Redis when syncMs is 0', async () => {
    const { shared, store } = setup(0);
    const a = store();
    const b = store();
    expect((await incr(a, 'user-1')).current).toBe(1);
    expect((await incr(b, 'user-1')).current).toBe(2);
    expect((await incr(a, 'user-1')).current).toBe(3);
    expect(shared.calls()).toBe(3);
  });

  it('starts a new window from Redis once the old one is over, dropping its unsent requests', async () => {
    const { clock, shared, store } = setup();
    const a = store();
    await incr(a, 'user-1');
    await incr(a, 'user-1'); // pending, never synced
    clock.at += WINDOW_MS;
    const first = await incr(a, 'user-1');
    expect(first.current).toBe(1);
    expect(first.ttl).toBe(WINDOW_MS);
    await a.sync();
    expect(shared.count('user-1')).toBe(1);
  });

  it('reports the time left in the shared window', async () => {
    const { clock, store } = setup();
    const a = store();
    await incr(a, 'user-1');
    clock.at += 20_000;
    expect((await incr(a, 'user-1')).ttl).toBe(WINDOW_MS - 20_000);
  });

  it('keeps counting through a Redis outage and sends the counts once it is back', async () => {
    const { shared, store } = setup();
    const a = store();
    await incr(a, 'user-1');
    shared.setDown(true);
    await incr(a, 'user-1');
    await incr(a, 'user-1');
    await a.sync();
    expect((await incr(a, 'user-1')).current).toBe(4); // still limited locally meanwhile
    shared.setDown(false);
    await a.sync();
    expect(shared.count('user-1')).toBe(4);
  });

  it('passes the error on when a window cannot be opened (the plugin then lets the request through)', async () => {
    const { shared, store } = setup();
    shared.setDown(true);
    await expect(incr(store(), 'user-1')).rejects.toThrow('ECONNREFUSED');
  });

  it("gives a route's own limit its own keys", async () => {
    const { shared, store } = setup();
    const root = store('rl:');
    const upload = root.child({
      routeInfo: { method: 'POST', url: '/api/batches/upload' },
    } as never) as SyncedStore;
    await incr(root, 'user-1');
    expect((await incr(upload, 'user-1')).current).toBe(1);
    expect(shared.count('rl:user-1')).toBe(1);
    expect(shared.count('rl:POST/api/batches/upload-user-1')).toBe(1);
  });

  it('remembers a bounded number of users', async () => {
    const clock = { at: 0 };
    const shared = sharedCounter(() => clock.at);
    const a = createSyncedStore(shared.counter, { syncMs: 250, maxKeys: 2, now: () => clock.at }, '');
    await incr(a, 'u1');
    await incr(a, 'u2');
    await incr(a, 'u3'); // u1, the oldest, is forgotten
    const calls = shared.calls();
    await incr(a, 'u3');
    await incr(a, 'u2');
    expect(shared.calls()).toBe(calls);
    await incr(a, 'u1');
    expect(shared.calls()).toBe(calls + 1);
  });
});
