import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import type { AttemptResult, ClaimedDelivery } from '../../../src/repositories/webhookDeliveryRepository.js';
import { startDeliverer } from '../../../src/webhooks/deliverer.js';
import { generateSecret } from '../../../src/webhooks/signing.js';
import { BASE } from '../config/configTestEnv.js';

/**
 * The deliverer's loop over an in-memory outbox and a loopback receiver: it claims, signs, sends,
 * records what the retry policy decided, and counts every attempt by outcome in the metrics.
 */
describe('webhook deliverer', () => {
  let server: Server;
  let url: string;
  const statuses = [500, 200];
  const bodies: Array<{ headers: Record<string, string>; body: string }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push({ headers: req.headers as Record<string, string>, body });
        res.writeHead(statuses.shift() ?? 200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends, retries on 500, delivers on 200, counts both attempts, and prunes the log at start', async () => {
    const secret = generateSecret();
    const config = loadConfig({
      ...BASE,
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      WEBHOOK_RETRY_SCHEDULE: '0,10ms',
      WEBHOOK_POLL_INTERVAL_MS: '10',
    }).webhooks;
    const due: ClaimedDelivery[] = [];
    const recorded: AttemptResult[] = [];
    const delivery = (roundAttempts: number): ClaimedDelivery => ({
      id: '5c637f0a-9c24-4858-81f1-4e2b0a24cd1c',
      endpointId: 'e',
      url,
      secrets: { current: secret, previous: null },
      eventType: 'batch.loaded',
      data: { id: 'b1', status: 'loaded', createdAt: '2026-01-01T00:00:00.000000+00:00' },
      occurredAt: new Date('2026-01-01T00:00:01Z'),
      roundAttempts,
      leaseToken: 't',
    });
    due.push(delivery(0));
    const metrics = createMetrics('worker');
    const pruned: Date[] = [];
    const started = Date.now();
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const deliverer = startDeliverer({
      config,
      metrics,
      logger: pino({ level: 'silent' }),
      deliveries: {
        claim: (limit) => Promise.resolve(due.splice(0, limit)),
        recordAttempt: (claim, result) => {
          recorded.push(result);
          if (result.state === 'pending') {
            due.push(delivery(claim.roundAttempts + 1)); // due again (the schedule's 10 ms)
          } else {
            done();
          }
          return Promise.resolve();
        },
        pendingSummary: () => Promise.resolve({ pending: 0, oldestAgeSeconds: 0 }),
        removeFinishedBefore: (cutoff) => {
          pruned.push(cutoff);
          return Promise.resolve(0);
        },
      },
    });
    await finished;
    await deliverer.close();

    expect(recorded.map((r) => [r.attempt.statusCode, r.state, r.failed])).toEqual([
      [500, 'pending', true],
      [200, 'delivered', false],
    ]);
    expect(bodies).toHaveLength(2);
    // The retention's first round runs at start, with the default 30 days.
    expect(pruned).toHaveLength(1);
    expect(started - 30 * 86_400_000 - pruned[0]!.getTime()).toBeLessThanOrEqual(0);
    expect(pruned[0]!.getTime()).toBeLessThanOrEqual(Date.now() - 30 * 86_400_000);
    for (const { headers, body } of bodies) {
      expect(new Webhook(secret).verify(body, headers)).toEqual({
        type: 'batch.loaded',
        timestamp: '2026-01-01T00:00:01.000Z',
        data: {
          id: 'b1',
          status: 'loaded',
          createdAt: '2026-01-01T00:00:00.000Z',
          links: {
            batch: '/api/batches/b1',
            records: '/api/batches/b1/records',
            recordsNdjson: '/api/batches/b1/records.ndjson',
            recordsCsv: '/api/batches/b1/records.csv',
            errorsCsv: '/api/batches/b1/errors.csv',
          },
        },
      });
      expect(headers['webhook-id']).toBe('5c637f0a-9c24-4858-81f1-4e2b0a24cd1c');
    }
    const attempts = (await metrics.webhookDeliveries.get()).values;
    expect(Object.fromEntries(attempts.map((v) => [v.labels.outcome, v.value]))).toEqual({
      retrying: 1,
      delivered: 1,
    });
    const durations = (await metrics.webhookAttemptDuration.get()).values;
    expect(
      durations.find((v) => v.metricName === 'batchport_webhook_attempt_duration_seconds_count')?.value,
    ).toBe(2);
  });
});
