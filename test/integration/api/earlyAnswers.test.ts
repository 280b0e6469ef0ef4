import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, startStack, type TestStack } from '../../support/testStack.js';
import { bigCsv, uploadInChildProcess } from '../../support/uploadInChildProcess.js';

/**
 * An answer sent before the upload's body was read reaches clients that send the whole body
 * before reading (Node's fetch and the typed client): the server reads and discards a bounded
 * part of the body instead of resetting the connection (src/http/plugins/lingeringClose.ts).
 * The clients run in their own process, like any outside client.
 */
const MAX_FILE_SIZE = 10 * 1024 * 1024;
// Whether a reset connection beats the answer to the client is a race: without the lingering
// close, one upload or the other out of a few fails with EPIPE (every run seen failed within 10).
const ATTEMPTS = 10;

describe('early answers reach fetch clients', () => {
  let stack: TestStack;
  let dir: string;
  let overLimit: string;
  let underLimit: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batchport-early-'));
    // Larger than the loopback socket buffers, so the client is still sending when answered.
    overLimit = await bigCsv(dir, MAX_FILE_SIZE + 8 * 1024 * 1024);
    underLimit = await bigCsv(dir, MAX_FILE_SIZE - 1024 * 1024);
    stack = await startStack({
      storage: 'local',
      records: 'postgres',
      env: { MAX_FILE_SIZE: String(MAX_FILE_SIZE), UPLOAD_RATE_LIMIT_PER_MINUTE: '1' },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const refused = (status: number, code: string) => ({
    status,
    body: expect.objectContaining({ error: expect.objectContaining({ code }) }) as unknown,
  });

  for (const mode of ['fetch', 'client'] as const) {
    it(`${mode}: a file over the limit gets its 413 (refused on Content-Length)`, async () => {
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        const user = await newUser(`early-413-${mode}`);
        const outcome = await uploadInChildProcess(mode, stack.baseUrl, user.token, overLimit);
        expect(outcome, `attempt ${attempt}`).toEqual(refused(413, 'payload_too_large'));
      }
    });

    it(`${mode}: an upload past the rate limit gets its 429 before its body is read`, async () => {
      const user = await newUser(`early-429-${mode}`);
      const key = `${stack.config.redisKeyPrefix}ratelimit:POST/api/batches/upload-${user.id}`;
      await stack.redis.set(key, 1, 'PX', 60_000); // the one upload of this minute is used
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        const outcome = await uploadInChildProcess(mode, stack.baseUrl, user.token, underLimit);
        expect(outcome, `attempt ${attempt}`).toEqual(refused(429, 'rate_limited'));
      }
    });

    it(`${mode}: a bad token on a large upload gets its 401`, async () => {
      const outcome = await uploadInChildProcess(mode, stack.baseUrl, 'not.a.jwt', underLimit);
      expect(outcome).toEqual(refused(401, 'unauthorized'));
    });
  }
});
