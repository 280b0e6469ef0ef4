import type { Logger } from 'pino';
import type { Batch } from '../domain/batch.js';
import type { Metrics } from '../observability/metrics.js';
import type { BatchRepository } from '../repositories/batchRepository.js';
import type { RecordsRepository } from '../repositories/records/recordsRepository.js';
import type { FileStorage } from '../storage/fileStorage.js';
import type { IndexingRun } from '../contactIndex/indexingRun.js';

/** What the batch processor (its steps and its failure handling) uses, and nothing more. */
export interface BatchProcessorDeps {
  batchRepository: BatchRepository;
  storage: Pick<FileStorage, 'get' | 'identity'>;
  records: RecordsRepository;
  metrics: Metrics;
  logger: Logger;
  /** Duplicates across batches (issue #21); absent: the batch is not indexed. */
  contactIndex?: { begin(batch: Batch, logger: Logger): Promise<IndexingRun> };
  /** Runs a delayed job now: the next batch in line once one ends (queue's wakeBatchJob). */
  wakeBatchJob?: (batchId: string) => Promise<void>;
  /** Whether every one of these batches' jobs is running now (queue's batchJobsRunning). */
  batchJobsRunning?: (batchIds: readonly string[]) => Promise<boolean>;
}
