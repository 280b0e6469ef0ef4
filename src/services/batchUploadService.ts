import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Batch, User } from '../domain/batch.js';
import { ConflictError, IdempotencyKeyTakenError, ValidationError } from '../errors.js';
import type { BatchRepository } from '../repositories/batchRepository.js';
import type { BatchQueue } from '../queue/batchQueue.js';
import type { FileStorage } from '../storage/fileStorage.js';
import { buildStorageKey } from '../storage/storageKey.js';
import { formatFromFilename } from '../validators/uploadValidators.js';
import { createUploadMeter } from './uploadMeter.js';

/** One part of a multipart body, as the HTTP layer hands it over (kept framework-free). */
export type UploadPart =
  | { type: 'file'; fieldname: string; filename: string; mimetype: string; stream: Readable }
  | { type: 'field'; fieldname: string };

export interface UploadResult {
  batch: Batch;
  /** True when an Idempotency-Key matched an earlier upload and no new batch was made. */
  replayed: boolean;
}

export const FILE_FIELD = 'file';

export type BatchUploadService = ReturnType<typeof createBatchUploadService>;

interface Deps {
  batchRepository: BatchRepository;
  storage: FileStorage;
  queue: BatchQueue;
  logger: Logger;
  maxFileSize: number;
}

/**
 * Upload, in an order that never loses an acknowledged file and never leaves orphans:
 * stream to storage (size, type and hash checked on the way) -> make sure no other part
 * follows -> commit the row -> enqueue. A failure before the commit removes the stored file; a
 * failure to enqueue leaves the batch `uploaded` for the sweeper.
 */
export function createBatchUploadService({ batchRepository, storage, queue, logger, maxFileSize }: Deps) {
  async function discard(stream: Readable): Promise<void> {
    stream.resume();
    await new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('error', () => resolve());
      stream.once('close', resolve);
    });
  }

  async function drainRemaining(parts: AsyncIterator<UploadPart>): Promise<void> {
    for (;;) {
      const next = await parts.next();
      if (next.done) {
        return;
      }
      const part = next.value;
      if (part.type === 'file') {
        await discard(part.stream);
        throw new ValidationError(`send exactly one file in field "${FILE_FIELD}"; a second file was found`);
      }
      throw new ValidationError(
        `unexpected form field "${part.fieldname}"; only "${FILE_FIELD}" is accepted`,
      );
    }
  }

  /** Hashes a replayed upload without storing it, to tell a true retry from a key reused for another file. */
  async function hashOnly(stream: Readable, filename: string): Promise<string> {
    const meter = createUploadMeter(formatFromFilename(filename), maxFileSize);
    meter.stream.resume();
    await pipeline(stream, meter.stream);
    return meter.result().sha256;
  }

  async function storeFile(user: User, batchId: string, part: Extract<UploadPart, { type: 'file' }>) {
    const format = formatFromFilename(part.filename);
    const storageKey = buildStorageKey(user.email, batchId, part.filename);
    const meter = createUploadMeter(format, maxFileSize);
    // The meter may fail (size, content) before the adapter attaches its own listeners; keep the
    // first such error, which explains the failure better than whatever the adapter reports.
    let meterError: unknown;
    meter.stream.on('error', (error) => {
      meterError ??= error;
    });
    // A broken request stream must fail the storage write too.
    part.stream.once('error', (error) => meter.stream.destroy(error));
    const source = part.stream.pipe(meter.stream);
    try {
      await storage.put(storageKey, source, { contentType: part.mimetype });
    } catch (error) {
      await storage.delete(storageKey).catch(() => undefined);
      throw meterError ?? error;
    }
    const { size, sha256 } = meter.result();
    if (size === 0) {
      await storage.delete(storageKey);
      throw new ValidationError('the uploaded file is empty');
    }
    return { format, storageKey, size, sha256 };
  }

  return {
    async upload(
      user: User,
      parts: AsyncIterable<UploadPart>,
      idempotencyKey: string | null,
    ): Promise<UploadResult> {
      const iterator = parts[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done) {
        throw new ValidationError(`no file was sent; send one file in form field "${FILE_FIELD}"`);
      }
      const part = first.value;
      if (part.type !== 'file') {
        throw new ValidationError(
          `unexpected form field "${part.fieldname}"; send one file in field "${FILE_FIELD}"`,
        );
      }
      if (part.fieldname !== FILE_FIELD) {
        await discard(part.stream);
        throw new ValidationError(
          `the file must be sent in form field "${FILE_FIELD}", not "${part.fieldname}"`,
        );
      }

      if (idempotencyKey) {
        const existing = await batchRepository.findByIdempotencyKey(user.id, idempotencyKey);
        if (existing) {
          const sha256 = await hashOnly(part.stream, part.filename);
          await drainRemaining(iterator);
          if (sha256 !== existing.sha256) {
            throw new ConflictError('this Idempotency-Key was already used for a different file');
          }
          return { batch: existing, replayed: true };
        }
      }

      const batchId = randomUUID();
      const stored = await storeFile(user, batchId, part);
      let batch: Batch;
      try {
        await drainRemaining(iterator);
        batch = await batchRepository.insert({
          id: batchId,
          userId: user.id,
          userEmail: user.email,
          fileName: part.filename.normalize('NFC').slice(0, 255),
          fileSize: stored.size,
          fileFormat: stored.format,
          mimeType: part.mimetype || null,
          storageKey: stored.storageKey,
          sha256: stored.sha256,
          idempotencyKey,
        });
      } catch (error) {
        await storage.delete(stored.storageKey).catch((cleanupError: unknown) => {
          // The orphan sweeper removes it later; say so rather than fail silently.
          logger.warn(
            { err: cleanupError, storageKey: stored.storageKey },
            'could not remove file of failed upload',
          );
        });
        if (error instanceof IdempotencyKeyTakenError && idempotencyKey) {
          const winner = await batchRepository.findByIdempotencyKey(user.id, idempotencyKey);
          if (winner?.sha256 === stored.sha256) {
            return { batch: winner, replayed: true };
          }
          throw new ConflictError('this Idempotency-Key was already used for a different file');
        }
        throw error;
      }

      try {
        await queue.enqueueBatch(batch.id, batch.attempt);
      } catch (error) {
        // The upload is safe (file + row); the sweeper re-queues batches left `uploaded`.
        logger.warn({ err: error, batchId: batch.id }, 'enqueue failed; batch left for the sweeper');
      }
      return { batch, replayed: false };
    },
  };
}
