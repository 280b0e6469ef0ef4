import type { Batch, User } from '../domain/batch.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { BatchQueue } from '../queue/batchQueue.js';
import type { BatchRepository } from '../repositories/batchRepository.js';
import { parseMapping, parsePhoneRegion } from '../validators/uploadOptions.js';

/** What a re-read may change; an absent option keeps the batch's own. `mapping: null`: the synonyms. */
export interface ReprocessOptions {
  /** Checked here like the upload's `mapping` field (parseMapping), whatever the caller checked. */
  mapping?: Readonly<Record<string, unknown>> | null | undefined;
  phoneRegion?: string | null | undefined;
}

export interface ReprocessAnswer {
  batch: Batch;
  /** Fixes made to the reading being replaced; they go with it. */
  droppedFixes: number;
}

interface Deps {
  batchRepository: Pick<BatchRepository, 'startReading' | 'findForUser'>;
  queue: Pick<BatchQueue, 'enqueueBatch'>;
}

/**
 * The mapping and region a new reading uses: absent, the batch's; null, the synonyms / the
 * deployment's region; else the sent one, with the upload's checks (400 naming the problem).
 * The stored-file preview uses the same rule (storedPreviewInput.ts), so what it shows is what
 * the re-read writes.
 */
export function readingOptions(
  batch: Pick<Batch, 'mapping' | 'phoneRegion'>,
  options: ReprocessOptions,
): Pick<Batch, 'mapping' | 'phoneRegion'> {
  return {
    mapping:
      options.mapping === undefined
        ? batch.mapping
        : options.mapping && parseMapping(JSON.stringify(options.mapping)),
    phoneRegion:
      options.phoneRegion === undefined
        ? batch.phoneRegion
        : options.phoneRegion && parsePhoneRegion(options.phoneRegion),
  };
}

/**
 * Re-reading a batch's stored file with other options (issue #21). The batch goes back to
 * `uploaded` with a fresh attempt and a fresh records key; the worker writes the new reading under
 * that key while readers keep seeing the current one, and the job's last statement switches to
 * the new set (markLoaded/markError, readingSwitchSql.ts). Only `loaded` and `error` batches: one
 * in progress already has a reading under way.
 */
export async function reprocessBatch(
  { batchRepository, queue }: Deps,
  user: User,
  id: string,
  options: ReprocessOptions,
): Promise<ReprocessAnswer> {
  const current = await batchRepository.findForUser(id, user.id);
  if (!current) {
    throw new NotFoundError('batch not found');
  }
  const chosen = readingOptions(current, options);
  const started = await batchRepository.startReading(id, user.id, chosen);
  if (!started) {
    const batch = await batchRepository.findForUser(id, user.id);
    if (!batch) {
      throw new NotFoundError('batch not found');
    }
    throw new ConflictError(
      `only a batch in status "loaded" or "error" can be re-read; this one is "${batch.status}" ` +
        '(wait until it has finished)',
    );
  }
  try {
    await queue.enqueueBatch(started.batch.id, started.batch.attempt);
  } catch {
    // Same promise as upload and retry: the row says `uploaded`, the sweeper queues it.
  }
  return started;
}
