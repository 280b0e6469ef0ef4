import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import type { BatchQueue } from '../queue/batchQueue.js';
import type { BatchDeletionRepository } from '../repositories/batchDeletionRepository.js';
import type { BatchRepository } from '../repositories/batchRepository.js';
import type { BatchCleanupService } from '../services/batchCleanupService.js';
import type { ReadingReleaseService } from '../services/readingReleaseService.js';
import { STORAGE_ROOT_PREFIX } from '../storage/storageKey.js';
import type { FileStorage } from '../storage/fileStorage.js';

/** What the sweeper uses, and nothing more. */
export interface SweeperDeps {
  batchRepository: Pick<BatchRepository, 'findStale' | 'existingStorageKeys'>;
  batchDeletionRepository: Pick<BatchDeletionRepository, 'pending'>;
  storage: Pick<FileStorage, 'list' | 'delete' | 'removeStaleTemp' | 'identity'>;
  queue: Pick<BatchQueue, 'hasLiveJob' | 'enqueueBatch' | 'depth'>;
  cleanup: BatchCleanupService;
  /** Old readings of re-read or deleted batches (issue #21); absent, none are removed here. */
  readings?: Pick<ReadingReleaseService, 'releaseDue'>;
  metrics: Metrics;
  logger: Logger;
}

export interface SweeperSettings {
  graceMs: number;
  orphanScanLimit?: number;
  /**
   * Only batches, owed cleanups and files stored under this key prefix are touched (default: the
   * whole store). Production sweeps everything; a test scopes its sweeper to its own user's
   * folder so it never re-queues, cleans or removes another test's data on a shared database.
   */
  keyPrefix?: string;
}

export interface SweepReport {
  requeued: number;
  cleanupsFinished: number;
  orphansRemoved: number;
  tempFilesRemoved: number;
}

const BATCH_LIMIT = 500;
const ORPHAN_SCAN_LIMIT = 5_000;

/**
 * The reconciler. Every action is idempotent (job ids dedupe enqueues, deletes of missing things
 * succeed), so several worker processes may sweep at once without harm.
 */
export function createSweeper(deps: SweeperDeps, settings: SweeperSettings) {
  const { batchRepository, batchDeletionRepository, storage, queue, cleanup, metrics, logger } = deps;
  const keyPrefix = settings.keyPrefix ?? STORAGE_ROOT_PREFIX;

  /** Batches left `uploaded` (enqueue failed) or stuck mid-processing with no job: queue again. */
  async function requeueStranded(): Promise<number> {
    const olderThan = new Date(Date.now() - settings.graceMs);
    const stale = await batchRepository.findStale(
      ['uploaded', 'parsing', 'parsed'],
      olderThan,
      BATCH_LIMIT,
      keyPrefix,
    );
    let requeued = 0;
    for (const batch of stale) {
      if (await queue.hasLiveJob(batch.id)) {
        continue;
      }
      await queue.enqueueBatch(batch.id, batch.attempt);
      requeued += 1;
      metrics.sweeperActions.inc({ action: 'requeued' });
      logger.info({ batchId: batch.id, status: batch.status }, 'sweeper re-queued a stranded batch');
    }
    return requeued;
  }

  async function finishDeletions(): Promise<number> {
    let finished = 0;
    const owed = await batchDeletionRepository.pending(BATCH_LIMIT, keyPrefix, storage.identity());
    for (const pending of owed) {
      if (await cleanup.cleanup(pending)) {
        finished += 1;
        metrics.sweeperActions.inc({ action: 'cleanup_finished' });
      }
    }
    return finished;
  }

  /** Where the next orphan scan resumes, so every key is reached however large the store. */
  let orphanCursor: string | undefined;

  /**
   * Stored files with no batch row, older than the grace period (an upload in flight is younger).
   * Each round scans at most ORPHAN_SCAN_LIMIT keys from where the previous round stopped.
   */
  async function removeOrphans(): Promise<number> {
    const cutoff = Date.now() - settings.graceMs;
    let scanned = 0;
    let removed = 0;
    let lastKey: string | undefined;
    let page: string[] = [];
    const flushPage = async () => {
      const known = await batchRepository.existingStorageKeys(page);
      for (const key of page) {
        if (known.has(key)) {
          continue;
        }
        await storage.delete(key);
        removed += 1;
        metrics.sweeperActions.inc({ action: 'orphan_removed' });
        logger.info({ storageKey: key }, 'sweeper removed an orphan file');
      }
      page = [];
    };
    let reachedEnd = true;
    for await (const object of storage.list(keyPrefix, orphanCursor)) {
      if (++scanned > (settings.orphanScanLimit ?? ORPHAN_SCAN_LIMIT)) {
        reachedEnd = false;
        break;
      }
      lastKey = object.key;
      if (object.lastModified.getTime() > cutoff) {
        continue;
      }
      page.push(object.key);
      if (page.length >= 200) {
        await flushPage();
      }
    }
    if (page.length > 0) {
      await flushPage();
    }
    orphanCursor = reachedEnd ? undefined : lastKey;
    return removed;
  }

  /** Half-written temp files of uploads cut short by a crash; one in flight is younger than the grace. */
  async function removeStaleTemp(): Promise<number> {
    const removed = await storage.removeStaleTemp(keyPrefix, new Date(Date.now() - settings.graceMs));
    if (removed > 0) {
      metrics.sweeperActions.inc({ action: 'temp_removed' }, removed);
      logger.info({ removed }, 'sweeper removed stale upload temp files');
    }
    return removed;
  }

  async function sampleQueueDepth(): Promise<void> {
    const counts = await queue.depth();
    for (const [state, value] of Object.entries(counts)) {
      metrics.queueDepth.set({ state }, value);
    }
  }

  return {
    async sweep(): Promise<SweepReport> {
      const report: SweepReport = {
        requeued: 0,
        cleanupsFinished: 0,
        orphansRemoved: 0,
        tempFilesRemoved: 0,
      };
      // Each part runs even if another fails: one dependency down must not stop the others.
      const parts: Array<[string, () => Promise<void>]> = [
        ['requeue', async () => void (report.requeued = await requeueStranded())],
        ['deletions', async () => void (report.cleanupsFinished = await finishDeletions())],
        // Not scoped by keyPrefix: a released reading is unreachable by any reader, whoever owns it.
        ['readings', () => releaseReadings(deps)],
        ['orphans', async () => void (report.orphansRemoved = await removeOrphans())],
        ['temp files', async () => void (report.tempFilesRemoved = await removeStaleTemp())],
        ['queue depth', sampleQueueDepth],
      ];
      for (const [name, run] of parts) {
        try {
          await run();
        } catch (error) {
          logger.warn({ err: error, part: name }, 'sweeper step failed; will try again next round');
        }
      }
      return report;
    },
  };
}

/** Old readings of re-read or deleted batches whose delay has passed (issue #21). */
async function releaseReadings({ readings, metrics }: SweeperDeps): Promise<void> {
  const released = (await readings?.releaseDue(BATCH_LIMIT)) ?? 0;
  if (released > 0) {
    metrics.sweeperActions.inc({ action: 'reading_released' }, released);
  }
}

export type Sweeper = ReturnType<typeof createSweeper>;
