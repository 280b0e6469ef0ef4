import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_STACK_ENV } from '../../support/webhookStackEnv.js';
import {
  api,
  newUser,
  startStack,
  uploadForm,
  waitForStatus,
  type TestStack,
} from '../../support/testStack.js';
import { signedHeaders, startReceiver, type Receiver } from '../../support/webhookReceiver.js';

/** Rows 2 and 3 are invalid (no name, no e-mail, no phone). */
const CSV = ['Name,Email,City', 'Ada Lovelace,ada@example.com,London', ',,Paris', ',,Rome'].join('\n');

/**
 * Issue #21: a stored fix of invalid rows sends `batch.updated` through the outbox (written in
 * the fix's own statement), verified with the reference library; a dry run sends nothing.
 */
describe('fixes hand off batch.updated (real stack, loopback receiver)', () => {
  let stack: TestStack;
  let r: Receiver;
  beforeAll(async () => {
    stack = await startStack({ storage: 'local', records: 'postgres', worker: true, env: WEBHOOK_STACK_ENV });
    r = await startReceiver();
  });
  afterAll(async () => {
    await stack?.close();
    await r?.close();
  });

  it('a stored fix sends batch.updated with the moved counts; a dry run sends none', async () => {
    const user = await newUser('hook-fix');
    const reg = await api(stack, '/api/webhooks', {
      method: 'POST',
      token: user.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: r.url, events: ['batch.loaded', 'batch.updated'] }),
    });
    expect(reg.status, reg.text).toBe(201);
    const secret = reg.body.secret as string;
    const up = await api(stack, '/api/batches/upload', {
      method: 'POST',
      token: user.token,
      body: uploadForm(CSV, 'fix-hook.csv'),
    });
    expect(up.status, up.text).toBe(201);
    const id = up.body.id as string;
    expect((await waitForStatus(stack, user.token, id)).status).toBe('loaded');
    const [loaded] = await r.waitFor(1);
    expect(new Webhook(secret).verify(loaded!.body, signedHeaders(loaded!))).toMatchObject({
      type: 'batch.loaded',
    });

    const fix = (dryRun: boolean) =>
      api(stack, `/api/batches/${id}/fixes${dryRun ? '?dryRun=true' : ''}`, {
        method: 'POST',
        token: user.token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          rows: [{ row: 2, record: { fullName: 'Ann Paris', email: 'ann@example.com' } }],
        }),
      });
    const dry = await fix(true);
    expect(dry.status, dry.text).toBe(200);
    const stored = await fix(false);
    expect(stored.status, stored.text).toBe(200);

    const [, updated] = await r.waitFor(2);
    const event = new Webhook(secret).verify(updated!.body, signedHeaders(updated!));
    expect(event).toMatchObject({
      type: 'batch.updated',
      data: {
        id,
        status: 'loaded',
        recordsLoaded: 2,
        invalidRows: 1,
        links: { batch: `/api/batches/${id}` },
      },
    });
    // The dry run came first: had it written an event, it would have been the second message.
    const log = await api(stack, `/api/webhooks/${reg.body.id as string}/deliveries`, { token: user.token });
    expect(log.status, log.text).toBe(200);
    expect((log.body.deliveries as { eventType: string }[]).map((d) => d.eventType).sort()).toEqual([
      'batch.loaded',
      'batch.updated',
    ]);
  });
});
