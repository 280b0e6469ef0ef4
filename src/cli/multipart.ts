import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** The Idempotency-Key of a file: its SHA-256, so re-running an upload replays the first batch. */
export async function contentKey(path: string): Promise<string> {
  const hash = createHash('sha256');
  // Streamed: a 10 MB file is never held in memory just to be hashed.
  await pipeline(createReadStream(path), hash);
  return `sha256-${hash.digest('hex')}`;
}

export interface MultipartUpload {
  contentType: string;
  contentLength: number;
  body: AsyncIterable<Uint8Array>;
}

/**
 * A multipart/form-data body with the file in field "file", streamed from disk; `onBytes` hears
 * every chunk as fetch pulls it, which is what the progress bar shows.
 */
export function multipartFile(path: string, size: number, onBytes: (n: number) => void): MultipartUpload {
  const boundary = `batchport-${randomBytes(12).toString('hex')}`;
  // Quotes and line breaks would end the header early; the server only needs the extension.
  const filename = basename(path).replace(/["\r\n]/g, '_');
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* body(): AsyncGenerator<Uint8Array> {
    yield head;
    for await (const chunk of createReadStream(path)) {
      const bytes = chunk as Buffer;
      onBytes(bytes.length);
      yield bytes;
    }
    yield tail;
  }
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: head.length + size + tail.length,
    body: body(),
  };
}
