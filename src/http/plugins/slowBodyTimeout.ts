import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { errorBody } from '../schemas/errorSchemas.js';

export interface SlowBodyTimeoutOptions {
  timeoutMs: number;
}

/**
 * Node's requestTimeout only covers a request until its handler starts: a client that sends its
 * headers and then dribbles the body (one byte a second) is never cut off by it, and never idle
 * long enough for connectionTimeout either. So every request whose body has not fully arrived
 * within the timeout gets a 408 (when nothing was answered yet) and its connection is closed;
 * an upload in progress then fails like a dropped connection and leaves nothing behind.
 * Wrapped with fastify-plugin so the hook covers every route of the app.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
const slowBodyTimeout: FastifyPluginAsync<SlowBodyTimeoutOptions> = async (app, { timeoutMs }) => {
  app.addHook('onRequest', (request, reply, done) => {
    if (!request.raw.complete) {
      const timer = setTimeout(() => cutOff(request, reply, timeoutMs), timeoutMs);
      timer.unref();
      reply.raw.once('close', () => clearTimeout(timer));
    }
    done();
  });
};

function cutOff(request: FastifyRequest, reply: FastifyReply, timeoutMs: number): void {
  const socket = request.raw.socket;
  if (request.raw.complete || socket.destroyed) {
    return;
  }
  request.log.info({ timeoutMs }, 'request body not received in time; closing the connection');
  if (!reply.raw.headersSent && socket.writable) {
    const body = JSON.stringify(
      errorBody(request.id, 'request_timeout', `the request was not received within ${timeoutMs} ms`),
    );
    socket.write(
      `HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

export default fp(slowBodyTimeout, { name: 'batchport-slow-body-timeout', fastify: '5.x' });
