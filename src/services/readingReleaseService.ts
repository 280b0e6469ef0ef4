import type { Logger } from 'pino';
import type {
  ReleasedReading,
  ReleasedReadingRepository,
} from '../repositories/readings/releasedReadingRepository.js';
import type { RecordsRepository } from '../repositories/records/recordsRepository.js';

export type ReadingReleaseService = ReturnType<typeof createReadingReleaseService>;

interface Deps {
  releasedReadings: Pick<ReleasedReadingRepository, 'due' | 'complete' | 'recordFailure'>;
  records: Pick<RecordsRepository, 'deleteBatch'>;
  logger: Logger;
}

/**
 * Removes readings no batch shows any more (issue #21: replaced by a re-read, or left by a
 * deleted batch). The switch that released them listed them in `released_readings` in the same
 * statement, so this only has to be resumable: a release cut short stays listed and the next
 * sweep does it again (every step is idempotent).
 */
export function createReadingReleaseService({ releasedReadings, records, logger }: Deps) {
  /**
   * THE place where an old reading's data is released: its records and invalid rows leave the
   * records store, then its entry is forgotten. Anything else keyed by a reading (an index of
   * contacts seen in earlier batches, say) is released here too, before `complete`.
   */
  async function release(reading: ReleasedReading): Promise<boolean> {
    try {
      await records.deleteBatch(reading.recordsKey);
      await releasedReadings.complete(reading.recordsKey);
      logger.info({ batchId: reading.batchId, recordsKey: reading.recordsKey }, 'old reading removed');
      return true;
    } catch (error) {
      logger.warn({ err: error, ...reading }, 'removing an old reading failed; the sweeper will try again');
      await releasedReadings
        .recordFailure(reading.recordsKey, (error as Error).message)
        .catch(() => undefined);
      return false;
    }
  }

  return {
    release,

    /** Releases every due reading (up to `limit`); returns how many were removed. Run by the sweeper. */
    async releaseDue(limit: number): Promise<number> {
      let released = 0;
      for (const reading of await releasedReadings.due(limit)) {
        if (await release(reading)) {
          released += 1;
        }
      }
      return released;
    },
  };
}
