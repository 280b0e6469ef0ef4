import { beforeAll, describe, expect, it } from 'vitest';
import { status } from '../../scripts/cluster/index.js';
import { APIS } from '../../scripts/cluster/topology.js';
import { openEventStream, type SseFrame } from '../support/sseClient.js';
import { uploadForm } from '../support/testStack.js';
import { clusterClient, newUser, type ClusterClient, type User } from './support.js';

/**
 * GET /api/batches/events across the cluster's two API processes: each write is published to
 * Redis Streams (through Sentinel), so a stream opened on one process sees an upload made through
 * the other, and the worker's progress, through `loaded`. The load balancer is bypassed on
 * purpose: each request goes to a named process.
 */
const direct = (i: 0 | 1): string => `http://127.0.0.1:${APIS[i].port}`;
const data = (f: SseFrame) => JSON.parse(f.data ?? 'null') as Record<string, unknown>;

async function uploadThrough(baseUrl: string, user: User): Promise<string> {
  const res = await fetch(`${baseUrl}/api/batches/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}` },
    body: uploadForm('name,email\nAda,ada@example.com\nBob,bob@example.com\n', 'events.csv'),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { id?: string };
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.id!;
}

describe('cluster: live events reach a stream on the other API process', () => {
  let client: ClusterClient;

  beforeAll(async () => {
    const s = await status();
    const down = s.procs.filter((p) => p.state !== 'running').map((p) => `${p.name} ${p.state}`);
    expect(down, 'start the cluster first: npm run cluster -- up').toEqual([]);
    client = await clusterClient();
  });

  for (const [from, to] of [
    [1, 0],
    [0, 1],
  ] as const) {
    it(`an upload through ${APIS[from].name} reaches a stream opened on ${APIS[to].name}`, async () => {
      const user = await newUser(client, `events-${from}-${to}`);
      const stream = await openEventStream(`${direct(to)}/api/batches/events`, user.token);
      expect(stream.status).toBe(200);
      try {
        const id = await uploadThrough(direct(from), user);
        await stream.waitFor(
          (f) => f.event === 'batch' && data(f)['id'] === id && data(f)['status'] === 'loaded',
          60_000,
        );
        const statuses = stream
          .events()
          .filter((f) => data(f)['id'] === id)
          .map((f) => data(f)['status']);
        // The API's own write (uploaded) and the worker's (loaded) both came through Redis.
        expect(statuses[0]).toBe('uploaded');
        expect(statuses.at(-1)).toBe('loaded');
      } finally {
        stream.close();
      }
    });
  }
});
