import type { FastifyInstance } from 'fastify';

/**
 * Node's requestTimeout only covers a request until its handler starts: a client that sends its
 * headers and then dribbles the body (one byte a second) is never cut off by it, and never idle
 * long enough for connectionTimeout either. So every request whose body has not fully arrived
 * within the timeout gets a 408 (when nothing was answered yet) and its connection is closed;
 * an upload in progress then fails like a dropped connection and leaves nothing behind.
 */
export function cutOffSlowBodies(app: FastifyInstance, timeoutMs: number): void {
  app.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw;
    if (raw.complete) {
      done();
      return;
    }
    const timer = setTimeout(() => {
      const socket = raw.socket;
      if (raw.complete || socket.destroyed) {
        return;
      }
      request.log.info({ timeoutMs }, 'request body not received in time; closing the connection');
      if (!reply.raw.headersSent && socket.writable) {
        const body = JSON.stringify({
          error: { code: 'request_timeout', message: `the request was not received within ${timeoutMs} ms` },
          requestId: request.id,
        });
        socket.write(
          `HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      }
      socket.destroy();
    }, timeoutMs);
    timer.unref();
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });
}
