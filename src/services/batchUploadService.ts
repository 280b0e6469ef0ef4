import { randomUUID } from 'node:crypto';
import { finished, pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Batch, User } from '../domain/batch.js';
import { AppError, ConflictError, IdempotencyKeyTakenError, ValidationError } from '../errors.js';
import type { BatchRepository } from '../repositories/batchRepository.js';
import type { BatchQueue } from '../queue/batchQueue.js';
import type { FileStorage } from '../storage/fileStorage.js';
import { buildStorageKey } from '../storage/storageKey.js';
import { formatFromFilename } from '../validators/uploadValidators.js';
import { contentTypeOf } from '../parsing/content/contentTypes.js';
import type { MappingDecision, SavedMappingService } from './savedMappingService.js';
import { createUploadMeter } from './uploadMeter.js';
import { readUploadForm, refuseRemaining, type FilePart, type UploadPart } from './uploadForm.js';

export { FILE_FIELD, type UploadPart } from './uploadForm.js';

export interface UploadResult {
  batch: Batch;
  /** True when an Idempotency-Key matched an earlier upload and no new batch was made. */
  replayed: boolean;
}

/**
 * The file part stopped before its end: the multipart body lacks its closing boundary, or the
 * client went away mid-upload. Told apart from our own failures so the answer is a 400.
 */
export function cutOffError(cause: unknown): ValidationError {
  return new ValidationError(
    'the upload ended before the file was complete (the multipart body is cut off or has no closing boundary)',
    { cause },
  );
}

export type BatchUploadService = ReturnType<typeof createBatchUploadService>;

interface Deps {
  batchRepository: BatchRepository;
  storage: FileStorage;
  queue: BatchQueue;
  logger: Logger;
  maxFileSize: number;
  /**
   * Remembered mappings (issue #21): decides the batch's mapping before its row is written.
   * Without it (tests of the HTTP layer) the sent mapping or the synonyms, as before.
   */
  mappings?: Pick<SavedMappingService, 'decideForUpload'> | undefined;
}

/**
 * Upload, in an order that never loses an acknowledged file and never leaves orphans:
 * read the option fields (mapping, phoneRegion) -> stream the file to storage (size, type and
 * hash checked on the way) -> make sure no other part follows -> commit the row -> enqueue. A failure before the commit removes the stored file; a
 * failure to enqueue leaves the batch `uploaded` for the sweeper.
 */
export function createBatchUploadService({
  batchRepository,
  storage,
  queue,
  logger,
  maxFileSize,
  mappings,
}: Deps) {
  /** Hashes a replayed upload without storing it, to tell a true retry from a key reused for another file. */
  async function hashOnly(stream: Readable, filename: string): Promise<string> {
    const meter = createUploadMeter(formatFromFilename(filename), maxFileSize);
    meter.stream.resume();
    await pipeline(stream, meter.stream).catch((error: unknown) => {
      throw error instanceof AppError ? error : cutOffError(error);
    });
    return meter.result().sha256;
  }

  async function storeFile(user: User, batchId: string, part: FilePart) {
    const format = formatFromFilename(part.filename);
    const storageKey = buildStorageKey(user.email, batchId, part.filename);
    const meter = createUploadMeter(format, maxFileSize);
    // A part that stops early (destroyed, with or without an error, possibly before this line:
    // a body without its closing boundary is parsed to the end at once) fails the storage write,
    // so the upload always settles. `finished` also reports a stream that is already closed.
    let cutOff: ValidationError | undefined;
    // The adapter reports the meter's failure through put(); this listener only keeps an error
    // raised before the adapter attached its own from becoming an uncaught exception.
    meter.stream.on('error', () => undefined);
    finished(part.stream).catch((error: unknown) => {
      if (!meter.stream.destroyed) {
        cutOff = cutOffError(error);
        meter.stream.destroy(cutOff);
      }
    });
    part.stream.pipe(meter.stream);
    try {
      // The client's Content-Type is never trusted: the stored type follows the checked format.
      await storage.put(storageKey, meter.stream, {
        contentType: contentTypeOf(format),
        // Known once the body has ended: the S3 adapter signs with it instead of hashing again.
        sha256: () => meter.result().sha256,
      });
    } catch (error) {
      part.stream.unpipe(meter.stream);
      part.stream.resume();
      await storage.delete(storageKey).catch(() => undefined);
      // The meter's own verdict (size, content) explains the failure best, then a cut-off body.
      throw meter.failure() ?? cutOff ?? error;
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
      const { options, file: part, rest } = await readUploadForm(parts);

      if (idempotencyKey) {
        const existing = await batchRepository.findByIdempotencyKey(user.id, idempotencyKey);
        if (existing) {
          const sha256 = await hashOnly(part.stream, part.filename);
          await refuseRemaining(rest);
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
        await refuseRemaining(rest);
        // Decided once, here, and stored on the row: the worker reads the mapping from the row.
        const chosen: MappingDecision = mappings
          ? await mappings.decideForUpload(user.id, stored, options)
          : { mapping: options.mapping, source: options.mapping ? 'request' : null };
        batch = await batchRepository.insert({
          id: batchId,
          userId: user.id,
          userEmail: user.email,
          fileName: part.filename.normalize('NFC').slice(0, 255),
          fileSize: stored.size,
          fileFormat: stored.format,
          mimeType: contentTypeOf(stored.format),
          storageKey: stored.storageKey,
          sha256: stored.sha256,
          idempotencyKey,
          mapping: chosen.mapping,
          mappingSource: chosen.source,
          phoneRegion: options.phoneRegion,
          encodingOverride: options.encoding,
          store: storage.identity(),
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
        await queue.enqueueNewBatch(batch.id); // a fresh id: attempt 1, no earlier job to replace
      } catch (error) {
        // The upload is safe (file + row); the sweeper re-queues batches left `uploaded`.
        logger.warn({ err: error, batchId: batch.id }, 'enqueue failed; batch left for the sweeper');
      }
      return { batch, replayed: false };
    },
  };
}
