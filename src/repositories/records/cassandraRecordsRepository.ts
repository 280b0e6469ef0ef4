import cassandra from 'cassandra-driver';
import type { CassandraClient } from '../../db/cassandra.js';
import { assertKeyspaceName, ensureCassandraSchema } from '../../db/cassandraSchema.js';
import { bucketedWrites } from './cassandraBuckets.js';
import { cassandraInvalidRows } from './cassandraInvalidRows.js';
import { recordParams, toRecord } from './cassandraRecordRow.js';
import { READ_OPTIONS, WRITE_OPTIONS, guard, statements, type Kind } from './cassandraStatements.js';
import { runBounded } from './cassandraWrites.js';
import { decodeCursor, toPage } from './cursor.js';
import {
  assertBatchId,
  assertPageLimit,
  lastPerRowNumber,
  normalizeInvalidRow,
  normalizeRecord,
} from './recordRow.js';
import type { RecordsPage, RecordsRepository } from './recordsRepository.js';

export interface CassandraRecordsOptions {
  keyspace: string;
  /** Row numbers per partition. Part of the data layout: never change it for existing data. */
  bucketSize?: number;
  /**
   * Requests in flight per write call. The worker has 2 calls in flight (batchProcessor's
   * maxInFlightWrites), so 8 here keeps 16 batches in flight: Cassandra's concurrent_writes (16
   * in scripts/services/cassandra.ts). 32 in flight was no faster and doubled the work queued
   * on the node, which on a loaded box ran into the server's 2 s write timeout.
   */
  concurrency?: number;
  /** Rows per single-partition UNLOGGED batch (see partitionBatches). */
  maxBatchRows?: number;
  /** Estimated mutation bytes per UNLOGGED batch, the bound for unusually large rows. */
  maxBatchBytes?: number;
  /** Used by init() when creating the keyspace. */
  replicationFactor?: number;
  /** Page size used by streamInvalidRows. */
  streamPageSize?: number;
  /** close() shuts the client down (default true: the repository owns its client). */
  closeClient?: boolean;
}

/**
 * The write strategy's defaults, measured with bench/raw-insert.ts (docs/performance.md,
 * "Records store writes"); the bench's raw-insert reference uses the same values.
 */
export const DEFAULT_WRITE = {
  bucketSize: 10_000,
  concurrency: 8,
  maxBatchRows: 100,
  maxBatchBytes: 1 << 20,
} as const;

function checkedOptions(options: CassandraRecordsOptions) {
  assertKeyspaceName(options.keyspace);
  const settings = {
    keyspace: options.keyspace,
    bucketSize: options.bucketSize ?? DEFAULT_WRITE.bucketSize,
    concurrency: options.concurrency ?? DEFAULT_WRITE.concurrency,
    maxBatchRows: options.maxBatchRows ?? DEFAULT_WRITE.maxBatchRows,
    maxBatchBytes: options.maxBatchBytes ?? DEFAULT_WRITE.maxBatchBytes,
    streamPageSize: options.streamPageSize ?? 500,
  };
  for (const name of ['bucketSize', 'concurrency', 'maxBatchRows', 'maxBatchBytes'] as const) {
    if (!Number.isInteger(settings[name]) || settings[name] < 1) {
      throw new TypeError(`${name} must be a positive integer`);
    }
  }
  return settings;
}

/** Cassandra records store (keyspace and tables from init(), see src/db/cassandraSchema.ts). */
export function createCassandraRecordsRepository(
  client: CassandraClient,
  options: CassandraRecordsOptions,
): RecordsRepository {
  const { keyspace, bucketSize, concurrency, maxBatchRows, maxBatchBytes, streamPageSize } =
    checkedOptions(options);
  const q = statements(keyspace);
  const bucketOf = (rowNumber: number): number => Math.floor(rowNumber / bucketSize);

  const { bucketsOf, rowsAfter, writeRows } = bucketedWrites(client, q, {
    bucketOf,
    concurrency,
    batchCut: { maxRows: maxBatchRows, maxBytes: maxBatchBytes },
  });
  const invalidRows = cassandraInvalidRows({
    client,
    q,
    bucketOf,
    concurrency,
    streamPageSize,
    bucketsOf,
    rowsAfter,
    writeRows,
  });

  async function listRecords(
    batchId: string,
    { limit, cursor }: { limit: number; cursor?: string | undefined },
  ): Promise<RecordsPage> {
    const id = assertBatchId(batchId);
    const pageSize = assertPageLimit(limit);
    const after = cursor === undefined ? -1 : decodeCursor(cursor);
    return guard('listing records', async () => {
      // One extra row tells whether a next page exists.
      const rows = await rowsAfter(id, 'record', q.selectRecords, { after, wanted: pageSize + 1 }, toRecord);
      return toPage(rows, pageSize);
    });
  }

  async function deleteBatch(batchId: string): Promise<void> {
    const id = assertBatchId(batchId);
    await guard('deleting records', async () => {
      const partitions: { kind: Kind; bucket: number }[] = [];
      for (const kind of ['record', 'invalid'] as const) {
        for (const bucket of await bucketsOf(id, kind)) {
          partitions.push({ kind, bucket });
        }
      }
      await runBounded(partitions, concurrency, ({ kind, bucket }) =>
        client.execute(q.deletePartition(kind), [id, bucket], WRITE_OPTIONS),
      );
      // Index last, and only the entries read above: if this fails, a retry still finds every
      // partition, and a bucket a racing worker just added stays findable for its own clean-up.
      await runBounded(partitions, concurrency, ({ kind, bucket }) =>
        client.execute(q.deleteBucket, [id, kind, bucket], WRITE_OPTIONS),
      );
    });
  }

  return {
    kind: 'cassandra',
    async init() {
      await ensureCassandraSchema(client, keyspace, { replicationFactor: options.replicationFactor ?? 1 });
    },
    async writeRecords(batchId, records) {
      const id = assertBatchId(batchId);
      const rows = lastPerRowNumber(records.map(normalizeRecord));
      const params = recordParams(cassandra.types.Uuid.fromString(id));
      await guard('writing records', () =>
        writeRows(id, 'record', rows, (r, bucket) => ({ query: q.insertRecord, params: params(r, bucket) })),
      );
    },
    async writeInvalidRows(batchId, invalid) {
      const id = assertBatchId(batchId);
      const rows = lastPerRowNumber(invalid.map(normalizeInvalidRow));
      await guard('writing invalid rows', () =>
        writeRows(id, 'invalid', rows, (r, bucket) => ({
          query: q.insertInvalid,
          params: [id, bucket, r.rowNumber, r.reason, JSON.stringify(r.original)],
        })),
      );
    },
    listRecords,
    ...invalidRows,
    deleteBatch,
    async ping() {
      await guard('checking readiness', () =>
        client.execute('SELECT release_version FROM system.local', [], READ_OPTIONS),
      );
    },
    async close() {
      if (options.closeClient !== false) {
        await client.shutdown();
      }
    },
  };
}
