import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/** How the receiver answers the n-th request (0-based): a status, after an optional delay. */
export type Answer = { status: number; delayMs?: number; headers?: Record<string, string> } | 'hang';

/**
 * A webhook receiver on 127.0.0.1 (loopback only): records every request and answers as the
 * test's `answer` says. `hang` never answers (the sender's timeout ends the attempt).
 */
export async function startReceiver(answer: (n: number) => Answer = () => ({ status: 200 })) {
  const received: ReceivedWebhook[] = [];
  const finished: number[] = [];
  const waiters: Array<() => void> = [];
  const open = new Set<ServerResponse>();
  let respond = answer;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const n = received.length;
      received.push({
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      });
      waiters.splice(0).forEach((w) => w());
      const a = respond(n);
      open.add(response);
      response.on('close', () => {
        open.delete(response);
        finished.push(Date.now());
      });
      if (a === 'hang') {
        return;
      }
      setTimeout(() => {
        response.writeHead(a.status, { 'content-type': 'text/plain', ...a.headers }).end(`answer ${n}`);
      }, a.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    received,
    /** When each answered or abandoned request's connection closed. */
    finished,
    setAnswer(next: (n: number) => Answer) {
      respond = next;
    },
    /** Resolves once `count` requests have arrived, or fails after `timeoutMs`. */
    async waitFor(count: number, timeoutMs = 20_000): Promise<ReceivedWebhook[]> {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(`receiver got ${received.length} of ${count} requests within ${timeoutMs} ms`);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return received.slice(0, count);
    },
    async close() {
      for (const response of open) {
        response.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** The three Standard Webhooks headers of a received request, for `Webhook.verify`. */
export function signedHeaders(r: ReceivedWebhook): Record<string, string> {
  return {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  };
}
