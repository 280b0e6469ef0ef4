import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_STACK_ENV, WEBHOOK_TIMEOUT_MS } from '../../support/webhookStackEnv.js';
import {
  api,
  newUser,
  startStack,
  uploadForm,
  waitForStatus,
  type TestStack,
} from '../../support/testStack.js';
import {
  signedHeaders,
  startReceiver,
  type ReceivedWebhook,
  type Receiver,
} from '../../support/webhookReceiver.js';

/**
 * The hand-off on the real stack: API, worker and deliverer over PostgreSQL, receivers on
 * 127.0.0.1. Every received message is verified with the Standard Webhooks reference library
 * (`standardwebhooks` from npm), never with our own signing code.
 */
const TIMEOUT_MS = WEBHOOK_TIMEOUT_MS;
const FIXTURES = resolve(import.meta.dirname, '../../fixtures/contacts');

type User = Awaited<ReturnType<typeof newUser>>;

describe('webhook deliveries (real stack, loopback receivers)', () => {
  let stack: TestStack;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    stack = await startStack({
      storage: 'local',
      records: 'postgres',
      worker: true,
      env: WEBHOOK_STACK_ENV,
    });
  });
  afterAll(async () => {
    await stack?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  }

  async function register(
    user: User,
    url: string,
    events?: string[],
  ): Promise<{ id: string; secret: string }> {
    const res = await api(stack, '/api/webhooks', {
      method: 'POST',
      token: user.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url, ...(events && { events }) }),
    });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: string; secret: string };
  }

  async function post(user: User, path: string, body?: unknown) {
    return api(stack, path, {
      method: 'POST',
      token: user.token,
      ...(body !== undefined && {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    });
  }

  /** Verifies with the reference library; returns the parsed body. Throws when it does not verify. */
  function verified(secret: string, message: ReceivedWebhook): any {
    return new Webhook(secret).verify(message.body, signedHeaders(message));
  }

  async function deliveries(user: User, endpointId: string, query = ''): Promise<any[]> {
    const res = await api(stack, `/api/webhooks/${endpointId}/deliveries${query}`, { token: user.token });
    expect(res.status, res.text).toBe(200);
    return res.body.deliveries;
  }

  /** Polls the delivery log until `done` holds for the delivery `id`. */
  async function deliveryWhen(
    user: User,
    endpointId: string,
    id: string,
    done: (d: any) => boolean,
  ): Promise<any> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = (await deliveries(user, endpointId)).find((d) => d.id === id);
      if (found && done(found)) {
        return found;
      }
      if (Date.now() > deadline) {
        throw new Error(`delivery ${id} is ${JSON.stringify(found)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function upload(user: User, fixture: string): Promise<string> {
    const form = uploadForm(await readFile(resolve(FIXTURES, fixture)), fixture);
    const res = await api(stack, '/api/batches/upload', { method: 'POST', token: user.token, body: form });
    expect(res.status, res.text).toBe(201);
    return res.body.id as string;
  }

  it('hands a loaded batch on: batch.loaded, verified, with links, and records.ndjson streams it', async () => {
    const user = await newUser('hook-loaded');
    const r = await receiver();
    const endpoint = await register(user, r.url);
    const batchId = await upload(user, 'google-contacts.csv');
    const status = await waitForStatus(stack, user.token, batchId);
    expect(status.status).toBe('loaded');

    const [message] = await r.waitFor(1);
    const event = verified(endpoint.secret, message!);
    expect(message!.headers['content-type']).toBe('application/json');
    expect(Buffer.byteLength(message!.body)).toBeLessThan(20 * 1024);
    expect(event).toMatchObject({
      type: 'batch.loaded',
      data: {
        id: batchId,
        status: 'loaded',
        fileName: 'google-contacts.csv',
        recordsLoaded: status.recordsLoaded,
        invalidRows: status.invalidRows,
        links: {
          batch: `/api/batches/${batchId}`,
          records: `/api/batches/${batchId}/records`,
          recordsNdjson: `/api/batches/${batchId}/records.ndjson`,
          recordsCsv: `/api/batches/${batchId}/records.csv`,
          errorsCsv: `/api/batches/${batchId}/errors.csv`,
        },
      },
    });
    expect(new Date(event.timestamp).toISOString()).toBe(event.timestamp);

    const [logged] = await deliveries(user, endpoint.id);
    const done = await deliveryWhen(user, endpoint.id, logged.id, (d) => d.state === 'delivered');
    expect(done).toMatchObject({ id: message!.headers['webhook-id'], eventType: 'batch.loaded', batchId });
    expect(done.attempts).toHaveLength(1);
    expect(done.attempts[0]).toMatchObject({ statusCode: 200, error: null, response: 'answer 0' });

    const ndjson = await fetch(`${stack.baseUrl}${event.data.links.recordsNdjson}`, {
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(ndjson.status).toBe(200);
    expect(ndjson.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const lines = (await ndjson.text()).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(status.recordsLoaded);
    const paged = await api(stack, `/api/batches/${batchId}/records?limit=1000`, { token: user.token });
    expect(lines.map((l) => JSON.parse(l))).toEqual(paged.body.records);
  });

  it('writes one batch.failed per transition to error, each with its own id, and batch.deleted', async () => {
    const user = await newUser('hook-failed');
    const r = await receiver();
    const endpoint = await register(user, r.url);
    const batchId = await upload(user, 'header-only.csv');
    expect((await waitForStatus(stack, user.token, batchId)).status).toBe('error');
    const retry = await post(user, `/api/batches/${batchId}/retry`);
    expect(retry.status, retry.text).toBe(200);
    await waitForStatus(stack, user.token, batchId, (s) => s === 'error');
    const deleted = await api(stack, `/api/batches/${batchId}`, { method: 'DELETE', token: user.token });
    expect(deleted.status).toBe(204);

    const messages = await r.waitFor(3);
    const events = messages.map((m) => verified(endpoint.secret, m));
    expect(events.map((e) => e.type).sort()).toEqual(['batch.deleted', 'batch.failed', 'batch.failed']);
    expect(events.every((e) => e.data.id === batchId)).toBe(true);
    expect(new Set(messages.map((m) => m.headers['webhook-id'])).size).toBe(3);
    const failed = events.find((e) => e.type === 'batch.failed');
    expect(failed.data.status).toBe('error');
    expect(failed.data.errorMessage).toMatch(/no contacts|header/i);
  });

  it('retries a 500 and delivers on attempt 2 with the same webhook-id', async () => {
    const user = await newUser('hook-500');
    const r = await receiver((n) => ({ status: n === 0 ? 500 : 200 }));
    const endpoint = await register(user, r.url);
    const test = await post(user, `/api/webhooks/${endpoint.id}/test`);
    expect(test.status, test.text).toBe(202);

    const [first, second] = await r.waitFor(2);
    expect(verified(endpoint.secret, first!).type).toBe('webhook.test');
    expect(verified(endpoint.secret, second!).type).toBe('webhook.test');
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.headers['webhook-id']).toBe(test.body.deliveryId);
    const done = await deliveryWhen(user, endpoint.id, test.body.deliveryId, (d) => d.state === 'delivered');
    expect(done.attempts.map((a: any) => a.statusCode)).toEqual([500, 200]);
  });

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    const user = await newUser('hook-302');
    const target = await receiver();
    const r = await receiver((n) =>
      n === 0 ? { status: 302, headers: { location: target.url } } : { status: 200 },
    );
    const endpoint = await register(user, r.url);
    const test = await post(user, `/api/webhooks/${endpoint.id}/test`);
    const done = await deliveryWhen(user, endpoint.id, test.body.deliveryId, (d) => d.state === 'delivered');
    expect(done.attempts.map((a: any) => a.statusCode)).toEqual([302, 200]);
    expect(target.received).toHaveLength(0);
  });

  it('disables the endpoint on 410 Gone and says why', async () => {
    const user = await newUser('hook-410');
    const r = await receiver(() => ({ status: 410 }));
    const endpoint = await register(user, r.url);
    const test = await post(user, `/api/webhooks/${endpoint.id}/test`);
    const failed = await deliveryWhen(user, endpoint.id, test.body.deliveryId, (d) => d.state === 'failed');
    expect(failed.attempts.map((a: any) => a.statusCode)).toEqual([410]);
    const shown = await api(stack, `/api/webhooks/${endpoint.id}`, { token: user.token });
    expect(shown.body).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/410 Gone/) });
    const again = await post(user, `/api/webhooks/${endpoint.id}/test`);
    expect(again.status).toBe(409);
    expect(r.received).toHaveLength(1);
  });

  it('retries a receiver slower than the timeout', async () => {
    const user = await newUser('hook-slow');
    const r = await receiver((n) => ({ status: 200, delayMs: n === 0 ? TIMEOUT_MS * 3 : 0 }));
    const endpoint = await register(user, r.url);
    const test = await post(user, `/api/webhooks/${endpoint.id}/test`);
    const done = await deliveryWhen(user, endpoint.id, test.body.deliveryId, (d) => d.state === 'delivered');
    expect(done.attempts).toHaveLength(2);
    expect(done.attempts[0]).toMatchObject({
      statusCode: null,
      error: expect.stringMatching(/no answer within/),
    });
    expect(done.attempts[1]).toMatchObject({ statusCode: 200 });
    const [first, second] = await r.waitFor(2);
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
  });

  it("does not let a dead endpoint delay a healthy one's deliveries", async () => {
    const user = await newUser('hook-dead');
    const dead = await receiver(() => 'hang');
    const healthy = await receiver();
    const deadEndpoint = await register(user, dead.url);
    const healthyEndpoint = await register(user, healthy.url);
    // More due deliveries to the dead endpoint than the deliverer has slots (6), all queued first.
    for (let i = 0; i < 12; i += 1) {
      expect((await post(user, `/api/webhooks/${deadEndpoint.id}/test`)).status).toBe(202);
    }
    await dead.waitFor(1);
    expect((await post(user, `/api/webhooks/${healthyEndpoint.id}/test`)).status).toBe(202);
    const [message] = await healthy.waitFor(1);
    verified(healthyEndpoint.secret, message!);
    // Received while the dead endpoint's first attempts were still waiting for their timeout: the
    // healthy delivery did not queue behind them.
    expect(dead.finished).toHaveLength(0);
    expect(dead.received.length).toBeLessThanOrEqual(2); // its per-endpoint cap
    await api(stack, `/api/webhooks/${deadEndpoint.id}`, { method: 'DELETE', token: user.token });
  });

  it('signs with the old and the new secret during a rotation; both verify', async () => {
    const user = await newUser('hook-rotate');
    const r = await receiver();
    const endpoint = await register(user, r.url);
    await post(user, `/api/webhooks/${endpoint.id}/test`);
    const [before] = await r.waitFor(1);
    expect(String(before!.headers['webhook-signature']).split(' ')).toHaveLength(1);
    verified(endpoint.secret, before!);

    const rotated = await post(user, `/api/webhooks/${endpoint.id}/rotate-secret`);
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(Buffer.from(rotated.body.secret.slice(6), 'base64')).toHaveLength(32);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    await post(user, `/api/webhooks/${endpoint.id}/test`);
    const [, during] = await r.waitFor(2);
    expect(String(during!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verified(endpoint.secret, during!).type).toBe('webhook.test');
    expect(verified(rotated.body.secret, during!).type).toBe('webhook.test');
    expect(() => verified(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, during!)).toThrow();
  });

  it('replays one delivery with the same webhook-id, and every failed one since a time', async () => {
    const user = await newUser('hook-replay');
    const r = await receiver(() => ({ status: 500 }));
    const endpoint = await register(user, r.url);
    const since = new Date(Date.now() - 1000).toISOString();
    const test = await post(user, `/api/webhooks/${endpoint.id}/test`);
    const failed = await deliveryWhen(user, endpoint.id, test.body.deliveryId, (d) => d.state === 'failed');
    expect(failed.attempts).toHaveLength(4); // the whole schedule
    expect(await deliveries(user, endpoint.id, '?state=failed')).toHaveLength(1);

    r.setAnswer(() => ({ status: 200 }));
    const replayed = await post(user, `/api/webhooks/${endpoint.id}/replay`, { since });
    expect(replayed.status, replayed.text).toBe(202);
    expect(replayed.body).toEqual({ replayed: 1 });
    await deliveryWhen(user, endpoint.id, test.body.deliveryId, (d) => d.state === 'delivered');

    const one = await post(user, `/api/webhooks/${endpoint.id}/deliveries/${test.body.deliveryId}/replay`);
    expect(one.status, one.text).toBe(202);
    const messages = await r.waitFor(6);
    const last = messages[5]!;
    expect(verified(endpoint.secret, last).type).toBe('webhook.test');
    expect(new Set(messages.map((m) => m.headers['webhook-id']))).toEqual(new Set([test.body.deliveryId]));
    // Signed again at the replay's own time.
    expect(Number(last.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(
      Number(messages[0]!.headers['webhook-timestamp']),
    );
  });
});
