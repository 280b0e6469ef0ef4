import { createServer as createHttpServer, type Server } from 'node:http';
import {
  createServer as createTcpServer,
  type AddressInfo,
  type Server as TcpServer,
  type Socket,
} from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendWebhook } from '../../../src/webhooks/sender.js';

const GUARD_ON = { allowPrivate: false, allowHttp: true };
const PRIVATE_ALLOWED = { allowPrivate: true, allowHttp: true };

const send = (url: string, policy = PRIVATE_ALLOWED) =>
  sendWebhook(url, {}, '{}', { timeoutMs: 2_000, policy });

describe('webhook connections: kept alive, never past the SSRF guard', () => {
  let server: Server;
  let port = 0;
  let connections = 0;
  let requests = 0;
  /** How each long answer ended: sent whole ('finish') or cut off by the deliverer ('close'). */
  let longAnswerEnded: Promise<'finish' | 'close'> = Promise.resolve('close');
  beforeAll(async () => {
    server = createHttpServer((request, response) => {
      requests += 1;
      request.resume();
      if (request.url === '/long') {
        // 32 MiB, as fast as the deliverer reads it.
        longAnswerEnded = new Promise((resolve) => {
          response.once('finish', () => resolve('finish'));
          response.once('close', () => resolve(response.writableFinished ? 'finish' : 'close'));
        });
        response.writeHead(200);
        let left = 512;
        const more = () => {
          while (left > 0 && response.write(Buffer.alloc(64 * 1024, 120))) {
            left -= 1;
          }
          if (left === 0) {
            response.end();
          }
        };
        response.on('drain', () => {
          left -= 1;
          more();
        });
        more();
        return;
      }
      request.on('end', () => response.writeHead(200).end('ok'));
    });
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends a receiver its attempts over one connection', async () => {
    const before = connections;
    for (let i = 0; i < 3; i++) {
      expect(await send(`http://127.0.0.1:${port}/hook`)).toMatchObject({ statusCode: 200, response: 'ok' });
    }
    expect(connections).toBe(before + 1);
  });

  it('reads no more of an answer than the excerpt it keeps, and closes that connection', async () => {
    const result = await send(`http://127.0.0.1:${port}/long`);
    expect(result.statusCode).toBe(200);
    expect(result.response).toBe('x'.repeat(1024));
    expect(await longAnswerEnded).toBe('close');
  });

  it('never lends a connection opened under a looser policy to the guarded one', async () => {
    // A connection to localhost opened while private targets are allowed (a development setup)...
    expect(await send(`http://localhost:${port}/hook`, PRIVATE_ALLOWED)).toMatchObject({ statusCode: 200 });
    const before = requests;
    // ...is not reused once the guard is on: the lookup runs and refuses, nothing is sent.
    const refused = await send(`http://localhost:${port}/hook`, GUARD_ON);
    expect(refused).toMatchObject({
      statusCode: null,
      error: expect.stringMatching(/refused by the SSRF guard/),
    });
    expect(requests).toBe(before);
  });
});

describe('a pooled connection the receiver reset as it was reused', () => {
  let server: TcpServer;
  let port = 0;
  const perConnection: number[] = [];
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Answers the first request of each connection and keeps it open; resets a connection at the
    // second request on it, before answering: a receiver closing an idle connection just as the
    // deliverer reuses it.
    server = createTcpServer((socket: Socket) => {
      sockets.add(socket);
      const index = perConnection.push(0) - 1;
      let buffered = '';
      socket.on('data', (data) => {
        buffered += data.toString('latin1');
        const end = buffered.indexOf('\r\n\r\n');
        const length = Number(/content-length: (\d+)/i.exec(buffered)?.[1] ?? 0);
        if (end < 0 || buffered.length < end + 4 + length) {
          return;
        }
        buffered = buffered.slice(end + 4 + length);
        perConnection[index] = (perConnection[index] ?? 0) + 1;
        if (perConnection[index] === 2) {
          socket.resetAndDestroy();
        } else {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.destroy()); // the deliverer's pooled connection
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends the attempt once more on a new connection', async () => {
    expect(await send(`http://127.0.0.1:${port}/hook`)).toMatchObject({ statusCode: 200 });
    const second = await send(`http://127.0.0.1:${port}/hook`);
    expect(second).toMatchObject({ statusCode: 200, error: null, response: 'ok' });
    // Connection 1: the first attempt, then the reset one; connection 2: the attempt sent again.
    expect(perConnection).toEqual([2, 1]);
  });
});
