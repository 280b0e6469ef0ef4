import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { build, type TestApp } from '../../support/buildTestApp.js';
import { MULTIPART_OVERHEAD_BYTES } from '../../../src/http/controllers/uploadController.js';

/**
 * After an early answer the rest of the body is read and discarded, but only up to a bound
 * (twice the file limit plus overhead): a client that keeps sending is cut off, not drained
 * forever. The integration test (test/integration/api/earlyAnswers.test.ts) shows the answer
 * reaching fetch clients.
 */
const MAX_FILE_SIZE = 64 * 1024;
const LINGER_BYTES = 2 * (MAX_FILE_SIZE + MULTIPART_OVERHEAD_BYTES);

describe('lingering close after an early answer', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  async function sendEndlessBody(port: number): Promise<{ answer: string; written: number }> {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let written = 0;
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.write(
      'POST /api/batches/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer not.a.jwt\r\n' +
        'Content-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const frame = Buffer.concat([
      Buffer.from(`${chunk.length.toString(16)}\r\n`),
      chunk,
      Buffer.from('\r\n'),
    ]);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // Writes until the server closes, or well past the bound (then the test fails below).
    while (!socket.destroyed && written < 20 * LINGER_BYTES) {
      written += chunk.length;
      if (!socket.write(frame)) {
        await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
      }
      // The server shares this event loop: let it run between writes, as a remote client would.
      await new Promise((resolve) => setImmediate(resolve));
    }
    socket.destroy();
    await closed;
    return { answer, written };
  }

  it('answers, reads a bounded part of the rest, then closes the connection', async () => {
    t = await build({ limits: { maxFileSize: MAX_FILE_SIZE } });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as { port: number };
    const { answer, written } = await sendEndlessBody(port);
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(written).toBeGreaterThan(LINGER_BYTES / 2);
    expect(written).toBeLessThan(4 * LINGER_BYTES);
  });

  it('closes at once when the declared body is larger than the bound', async () => {
    t = await build({ limits: { maxFileSize: MAX_FILE_SIZE } });
    const answer = await t.app.inject({
      method: 'POST',
      url: '/api/batches/upload',
      headers: {
        'content-type': 'multipart/form-data; boundary=x',
        'content-length': String(LINGER_BYTES + 1),
      },
      payload: 'x',
    });
    expect(answer.statusCode).toBe(401);
    expect(answer.headers['connection']).toBe('close');
  });
});
