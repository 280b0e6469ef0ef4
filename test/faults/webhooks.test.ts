import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, up } from '../../scripts/services/index.js';
import { contactsCsv } from '../support/contactsCsv.js';
import { api, newUser, startStack, uploadForm, waitForStatus, type TestStack } from '../support/testStack.js';
import { signedHeaders, startReceiver, type Receiver } from '../support/webhookReceiver.js';
import { saveResults, sleep, startWorkerProcess, type WorkerProcess } from './support.js';

/**
 * At least once, through crashes: batches load while their batch.loaded deliveries go out to a
 * slow loopback receiver; the worker process (and its deliverer) is SIGKILLed while attempts are
 * in flight, a second one takes over, then PostgreSQL is stopped and started again under it.
 * Every loaded batch's event must arrive, verified with the standardwebhooks library; the run
 * reports how many arrived more than once (allowed: the receiver deduplicates on webhook-id).
 */
const BATCHES = 30;
const DELIVERER_ENV = {
  WEBHOOK_DELIVERER: 'true',
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  WEBHOOK_RETRY_SCHEDULE: '0,200ms,500ms,1s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s,2s',
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOK_LEASE_MS: '4000',
  WEBHOOK_POLL_INTERVAL_MS: '100',
  WEBHOOK_ENDPOINT_CONCURRENCY: '4',
  LOG_LEVEL: 'warn',
};

describe('webhook deliveries survive a killed deliverer and a PostgreSQL restart', () => {
  let stack: TestStack;
  let receiver: Receiver;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    await up(['postgres', 'redis']);
    stack = await startStack({
      storage: 'local',
      records: 'postgres',
      worker: false,
      env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' },
    });
    // Slow enough that a kill lands in the middle of attempts.
    receiver = await startReceiver(() => ({ status: 200, delayMs: 300 }));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await up(['postgres']);
    await stack?.close();
    await receiver?.close();
  });

  it('delivers every batch.loaded at least once', async () => {
    const user = await newUser('hook-faults');
    const created = await api(stack, '/api/webhooks', {
      method: 'POST',
      token: user.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, events: ['batch.loaded'] }),
    });
    expect(created.status, created.text).toBe(201);
    const secret = created.body.secret as string;

    const ids: string[] = [];
    for (let i = 0; i < BATCHES; i += 1) {
      const res = await api(stack, '/api/batches/upload', {
        method: 'POST',
        token: user.token,
        body: uploadForm(contactsCsv(5, i * 5 + 1), `hooks-${i}.csv`),
      });
      expect(res.status, res.text).toBe(201);
      ids.push(res.body.id as string);
    }
    workers.push(startWorkerProcess(stack, DELIVERER_ENV, 'hooks-a'));

    // Kill the first worker while the receiver holds attempts open.
    await receiver.waitFor(3, 120_000);
    const inFlightAtKill = receiver.received.length - receiver.finished.length;
    await workers[0]!.kill();
    workers.push(startWorkerProcess(stack, DELIVERER_ENV, 'hooks-b'));

    // Then PostgreSQL goes away under the second deliverer and comes back.
    await receiver.waitFor(Math.min(BATCHES, receiver.received.length + 3), 120_000);
    await down(['postgres']);
    await sleep(3_000);
    await up(['postgres']);

    for (const id of ids) {
      expect((await waitForStatus(stack, user.token, id, undefined, 180_000)).status).toBe('loaded');
    }
    const deadline = Date.now() + 120_000;
    const delivered = new Map<string, number>();
    for (;;) {
      delivered.clear();
      for (const message of receiver.received) {
        const event = new Webhook(secret).verify(message.body, signedHeaders(message)) as {
          type: string;
          data: { id: string };
        };
        expect(event.type).toBe('batch.loaded');
        delivered.set(event.data.id, (delivered.get(event.data.id) ?? 0) + 1);
      }
      if (ids.every((id) => delivered.has(id)) || Date.now() > deadline) {
        break;
      }
      await sleep(250);
    }
    expect(ids.filter((id) => !delivered.has(id))).toEqual([]);
    // An attempt whose result could not be written (PostgreSQL down) is sent again once its
    // lease passes, and then recorded: in the end every delivery says `delivered`.
    let states: Array<[string, number]> = [];
    for (const until = Date.now() + 60_000; Date.now() < until; await sleep(250)) {
      const { rows } = await stack.db.query<{ state: string; n: string }>(
        `SELECT state, count(*) AS n FROM webhook_deliveries WHERE endpoint_id = $1 GROUP BY state`,
        [created.body.id],
      );
      states = rows.map((r) => [r.state, Number(r.n)]);
      if (states.length === 1 && states[0]![0] === 'delivered') {
        break;
      }
    }
    expect(states).toEqual([['delivered', BATCHES]]);
    const webhookIds = new Set(receiver.received.map((m) => m.headers['webhook-id']));
    expect(webhookIds.size).toBe(BATCHES);
    saveResults('webhooks', {
      batches: BATCHES,
      received: receiver.received.length,
      duplicates: receiver.received.length - webhookIds.size,
      inFlightAtKill,
    });
  });
});
