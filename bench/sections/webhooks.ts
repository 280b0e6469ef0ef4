/**
 * Webhook hand-off (issue 20): N batches reach `loaded` the way the worker does it (markLoaded,
 * which writes the outbox row in the same statement), and the deliverer sends each batch.loaded
 * to a receiver on 127.0.0.1 answering 200 at once. Measured: deliveries per second from the
 * first status change to the last receipt, and each event's latency from its status change
 * (`data.updatedAt`, the row's commit time) to its receipt. The receiver, the deliverer and
 * PostgreSQL share this machine with the load generator; the deliverer runs with its defaults
 * (one endpoint: at most WEBHOOK_ENDPOINT_CONCURRENCY = 4 attempts in flight).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { delivererDeps } from '../../src/workerComposition.js';
import { startDeliverer } from '../../src/webhooks/deliverer.js';
import { generateSecret } from '../../src/webhooks/signing.js';
import { startBenchStack } from '../lib/stack.js';
import { log, round } from '../lib/util.js';
import type { Results } from '../lib/verdict.js';

/** Status changes written at once, as several workers finishing batches would. */
const WRITERS = 8;

export async function runWebhooks(opts: { events: number }, results: Results): Promise<void> {
  const stack = await startBenchStack({ worker: false, env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' } });
  const received = new Map<string, number>();
  let messages = 0;
  let allIn: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allIn = resolve));
  const latencies: number[] = [];
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const at = Date.now();
      response.writeHead(200).end();
      messages += 1;
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        data: { id: string; updatedAt: string };
      };
      if (!received.has(event.data.id)) {
        received.set(event.data.id, at);
        latencies.push(at - Date.parse(event.data.updatedAt));
      }
      if (received.size === opts.events) {
        allIn();
      }
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const pool = stack.db;
  const deliverer = startDeliverer(delivererDeps(stack.components));
  try {
    const userId = `bench-hooks-${randomUUID().slice(0, 8)}`;
    await stack.webhookEndpoints.insertWithinCap(
      {
        id: randomUUID(),
        userId,
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        events: ['batch.loaded'],
        description: null,
        secret: generateSecret(),
      },
      1,
    );
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO batches (id, user_id, user_email, file_name, file_size, file_format, storage_key, sha256, status)
       SELECT gen_random_uuid(), $1, $1 || '@example.com', 'c-' || g || '.csv', 100, 'csv',
              'bench/hooks/' || g, repeat('0', 64), 'parsed'
       FROM generate_series(1, $2::int) AS g RETURNING id`,
      [userId, opts.events],
    );
    const ids = rows.map((r) => r.id);
    log(`webhooks: ${ids.length} batches to mark loaded`);
    const counts = { rowsRead: 1, invalidRows: 0, recordsLoaded: 1 };
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        while (next < ids.length) {
          const id = ids[next++]!;
          await stack.batches.markLoaded(id, 1, counts);
        }
      }),
    );
    const written = Date.now();
    await Promise.race([
      done,
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error(`only ${received.size} of ${opts.events} received in 120 s`)),
          120_000,
        ),
      ),
    ]);
    const last = Math.max(...received.values());
    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
    results['webhook_events'] = opts.events;
    results['webhook_status_changes_per_s'] = round(opts.events / ((written - started) / 1000), 0);
    results['webhook_deliveries_per_s'] = round(opts.events / ((last - started) / 1000), 0);
    results['webhook_latency_p50_ms'] = pct(50);
    results['webhook_latency_p99_ms'] = pct(99);
    results['webhook_latency_max_ms'] = latencies[latencies.length - 1]!;
    results['webhook_duplicates'] = messages - received.size;
  } finally {
    await deliverer.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await stack.close();
  }
}
