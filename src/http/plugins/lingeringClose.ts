import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export interface LingeringCloseOptions {
  /** Body bytes read and thrown away after an early answer before the connection is cut. */
  maxBytes: number;
  /** Longest time spent reading them (the request timeout). */
  timeoutMs: number;
}

/**
 * Lingering close: an answer sent before the request's body was read (a 413 on the declared
 * size, a 401 or 429 from a hook, a 413 mid-file) must reach the client. Closing the socket at
 * once, as a `Connection: close` answer does, makes the kernel reset the connection while the
 * client is still sending: curl shows the answer, but Node's fetch (undici) and the typed client
 * built on it fail with EPIPE and never read it. So after such an answer the rest of the body is
 * read and discarded, up to `maxBytes` and `timeoutMs`, and then the connection is closed (or,
 * when the body ended, kept for the next request). A body declared larger than `maxBytes` cannot
 * be drained within the bound: that answer closes the connection at once, as before.
 * Wrapped with fastify-plugin so the hooks cover every route of the app.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
const lingeringClose: FastifyPluginAsync<LingeringCloseOptions> = async (app, { maxBytes, timeoutMs }) => {
  app.addHook('onSend', (request, reply, payload, done) => {
    const body = request.raw;
    if (body.complete || body.socket.destroyed) {
      done(null, payload);
      return;
    }
    if (Number(request.headers['content-length'] ?? 0) > maxBytes) {
      void reply.header('connection', 'close'); // cannot be drained within the bound
      done(null, payload);
      return;
    }
    // Read here, before the answer goes out: Node would otherwise discard the rest of the body
    // itself once the answer is sent, without any bound, and out of JavaScript's sight.
    let discarded = 0;
    const cutOff = (reason: string) => {
      clearTimeout(timer);
      body.off('data', onData);
      request.log.info({ discarded, reason }, 'request body not drained after an early answer; closing');
      body.socket.destroy();
    };
    const onData = (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > maxBytes) {
        cutOff('too large');
      }
    };
    const timer = setTimeout(() => cutOff('timeout'), timeoutMs);
    timer.unref();
    body.on('data', onData);
    body.once('end', () => clearTimeout(timer));
    body.once('close', () => clearTimeout(timer));
    body.resume(); // also a body a parser began reading and left paused (busboy after a mid-file 413)
    done(null, payload);
  });
};

export default fp(lingeringClose, { name: 'batchport-lingering-close', fastify: '5.x' });
