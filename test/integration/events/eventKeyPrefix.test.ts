/**
 * Issue #19: the event streams live under REDIS_KEY_PREFIX like every other key the app writes,
 * so two deployments sharing one Redis (and one identity provider, hence the same user ids)
 * never see each other's events. Two stacks on the same real Redis, different prefixes, one user.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamKey } from '../../../src/events/eventStreamKeys.js';
import { contactsCsv } from '../../support/contactsCsv.js';
import { openEventStream, type SseFrame } from '../../support/sseClient.js';
import { api, newUser, startStack, uploadForm, type TestStack } from '../../support/testStack.js';

let east: TestStack;
let west: TestStack;
const run = randomUUID().slice(0, 8);

beforeAll(async () => {
  east = await startStack({
    storage: 'local',
    records: 'postgres',
    env: { REDIS_KEY_PREFIX: `east-${run}:` },
  });
  west = await startStack({
    storage: 'local',
    records: 'postgres',
    env: { REDIS_KEY_PREFIX: `west-${run}:` },
  });
});

afterAll(async () => {
  await west?.close();
  await east?.close();
});

const batchId = (f: SseFrame) => (JSON.parse(f.data ?? 'null') as { id?: string }).id;

async function upload(stack: TestStack, token: string): Promise<string> {
  const res = await api(stack, '/api/batches/upload', {
    method: 'POST',
    token,
    body: uploadForm(contactsCsv(3), 'contacts.csv'),
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

describe('event streams under REDIS_KEY_PREFIX', () => {
  it("two deployments on one Redis with different prefixes never see each other's events", async () => {
    const user = await newUser('prefix');
    const onEast = await openEventStream(`${east.baseUrl}/api/batches/events`, user.token);
    const onWest = await openEventStream(`${west.baseUrl}/api/batches/events`, user.token);
    expect([onEast.status, onWest.status]).toEqual([200, 200]);

    // East's batch is announced first: with one shared stream key West's client would get it
    // before its own batch (entries of one stream arrive in order).
    const eastBatch = await upload(east, user.token);
    await onEast.waitFor((f) => f.event === 'batch' && batchId(f) === eastBatch);
    const westBatch = await upload(west, user.token);
    await onWest.waitFor((f) => f.event === 'batch' && batchId(f) === westBatch);
    onEast.close();
    onWest.close();

    expect(new Set(onWest.events().map(batchId))).toEqual(new Set([westBatch]));
    expect(new Set(onEast.events().map(batchId))).toEqual(new Set([eastBatch]));
    // Each deployment's stream is under its own prefix, nothing under the old shared name.
    const redis = east.redis;
    expect(await redis.exists(streamKey(`east-${run}:`, user.id))).toBe(1);
    expect(await redis.exists(streamKey(`west-${run}:`, user.id))).toBe(1);
    expect(await redis.exists(`batchport-events:${user.id}`)).toBe(0);
  });
});
