import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import type { BatchRepository } from './repositories/batchRepository.js';
import type { SavedMappingRepository } from './repositories/savedMappingRepository.js';
import { createPreviewService, type PreviewParsing } from './services/previewService.js';
import { createSavedMappingService } from './services/savedMappingService.js';
import type { FileStorage } from './storage/fileStorage.js';
import { createParsePool, type ParsePool, type ParsePoolLimits } from './worker/parsePool.js';

/**
 * What runs on the API's parse pool (part of the composition root, kept apart for its size):
 * previews, and the upload's read of a header row for remembered mappings (issue #21).
 */
export function createPreviewServices(
  config: Config,
  parts: {
    savedMappingRepository: SavedMappingRepository;
    batchRepository: Pick<BatchRepository, 'findForUser'>;
    storage: FileStorage;
    logger: Logger;
  },
  parsing: PreviewParsing = lazyParsePool(config.preview.parseThreads, {
    heapMb: config.worker.parseThreadHeapMb,
    parseTimeoutMs: config.preview.timeoutMs,
  }),
) {
  const { limits } = config;
  const savedMappingService = createSavedMappingService({
    repository: parts.savedMappingRepository,
    storage: parts.storage,
    open: parsing.open,
    parse: {
      maxRowsPerBatch: limits.maxRowsPerBatch,
      maxUncompressedBytes: limits.maxUncompressedBytes,
      defaultPhoneRegion: config.worker.defaultPhoneRegion,
    },
    logger: parts.logger,
  });
  const previewService = createPreviewService(
    {
      maxFileSize: limits.maxFileSize,
      maxRowsPerBatch: limits.maxRowsPerBatch,
      maxUncompressedBytes: limits.maxUncompressedBytes,
      defaultPhoneRegion: config.worker.defaultPhoneRegion,
      limits: { maxConcurrent: config.preview.maxConcurrent, maxPerUser: config.preview.maxPerUser },
    },
    parsing,
    savedMappingService,
    // Previews of stored files (issue #21): the batch row says where its file is.
    { batches: parts.batchRepository, storage: parts.storage },
  );
  return { previewService, savedMappingService };
}

/**
 * The API's preview pool, started by the first preview: a worker-only process (or a test that
 * never previews) starts no threads for it.
 */
function lazyParsePool(threads: number, limits: ParsePoolLimits): PreviewParsing {
  let pool: ParsePool | undefined;
  return {
    open: (input, options, signal) =>
      (pool ??= createParsePool(threads, limits)).open(input, options, signal),
    close: async () => pool?.close(),
  };
}
