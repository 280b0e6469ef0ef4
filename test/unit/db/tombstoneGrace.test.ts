import { describe, expect, it } from 'vitest';
import { DEFAULT_GC_GRACE_SECONDS, gcGraceFor, replicasOf } from '../../../src/db/tombstoneGrace.js';

describe('tombstone grace from the keyspace replication', () => {
  it('counts the replicas of SimpleStrategy and NetworkTopologyStrategy maps', () => {
    const simple = 'org.apache.cassandra.locator.SimpleStrategy';
    const nts = 'org.apache.cassandra.locator.NetworkTopologyStrategy';
    expect(replicasOf({ class: simple, replication_factor: '1' })).toBe(1);
    expect(replicasOf({ class: simple, replication_factor: '3' })).toBe(3);
    expect(replicasOf({ class: nts, dc1: '1' })).toBe(1);
    expect(replicasOf({ class: nts, dc1: '1', dc2: '1' })).toBe(2);
    expect(replicasOf({ class: nts, dc1: '3/1' })).toBe(3);
  });

  it('answers null for a map it cannot read', () => {
    expect(replicasOf({ class: 'org.apache.cassandra.locator.LocalStrategy' })).toBeNull();
    expect(replicasOf({})).toBeNull();
    expect(replicasOf({ class: 'x', replication_factor: 'many' })).toBeNull();
  });

  it('purges at once only with a single replica', () => {
    expect(gcGraceFor(1)).toBe(0);
    expect(gcGraceFor(2)).toBe(DEFAULT_GC_GRACE_SECONDS);
    expect(gcGraceFor(3)).toBe(DEFAULT_GC_GRACE_SECONDS);
    expect(gcGraceFor(null)).toBe(DEFAULT_GC_GRACE_SECONDS);
    expect(gcGraceFor(0)).toBe(DEFAULT_GC_GRACE_SECONDS);
  });
});
