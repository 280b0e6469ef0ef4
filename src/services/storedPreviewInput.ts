import type { Readable } from 'node:stream';
import type { Batch, User } from '../domain/batch.js';
import { NotFoundError } from '../errors.js';
import type { BatchRepository } from '../repositories/batchRepository.js';
import type { FileStorage } from '../storage/fileStorage.js';
import type { UploadOptions } from '../validators/uploadOptions.js';
import { readingOptions, type ReprocessOptions } from './batchReprocess.js';
import { textEncodingOrNull } from '../parsing/text/encodings.js';

/** The body of POST /api/batches/{id}/preview: the body /reprocess takes (issue #21). */
export type StoredPreviewBody = ReprocessOptions;

/**
 * The options a preview of a stored file reads it with: those POST /reprocess with the same body
 * would give the new reading (absent: the batch's; null: the synonyms / the deployment's region),
 * with the upload's checks (400 naming the problem), and the batch's own encoding, which a re-read
 * keeps. So what the page previews is what confirming it makes.
 */
export function storedPreviewOptions(
  batch: Pick<Batch, 'mapping' | 'phoneRegion' | 'encodingOverride'>,
  body: StoredPreviewBody,
): UploadOptions {
  return {
    ...readingOptions(batch, body),
    encoding: textEncodingOrNull(batch.encodingOverride),
    rememberMapping: null,
  };
}

/** Where a preview of a stored file finds it: the batch row, and the store its key is in. */
export interface StoredFiles {
  batches: Pick<BatchRepository, 'findForUser'>;
  storage: Pick<FileStorage, 'get'>;
}

/**
 * The user's batch, the options to read its file with, and the file as a stream from storage
 * (its bytes go to a parse thread; nothing here reads them). Someone else's batch, or a deleted
 * one, is "not found", as is a file missing from storage.
 */
export async function openStoredPreview(
  stored: StoredFiles,
  user: User,
  batchId: string,
  body: StoredPreviewBody,
): Promise<{ batch: Batch; options: UploadOptions; input: Readable }> {
  const batch = await stored.batches.findForUser(batchId, user.id);
  if (!batch) {
    throw new NotFoundError('batch not found');
  }
  const options = storedPreviewOptions(batch, body);
  const input = await stored.storage.get(batch.storageKey).catch((error: unknown) => {
    throw error instanceof NotFoundError
      ? new NotFoundError('the stored file of this batch is missing from storage')
      : error;
  });
  return { batch, options, input };
}
