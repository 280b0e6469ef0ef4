/**
 * The bench never touches the shared data: it uses its own Cassandra keyspace, its own S3 bucket
 * and its own PostgreSQL schema (the application role may create schemas in its database, not
 * databases). Everything a section starts reads these from process.env, so they are set once,
 * before any section runs. Each run starts them empty: what earlier runs left behind (deleted
 * batches' records and index entries stay in Cassandra's files as data plus tombstones until
 * gc_grace_seconds, 10 days) would otherwise be compacted again during this run's loads. One
 * such compaction, a 184 MB rewrite of the bench keyspace's batch_records on a box with many
 * earlier runs, fell on the two slowest rounds of a known_contacts run (docs/performance.md).
 */
import { CreateBucketCommand, HeadBucketCommand, S3ServiceException } from '@aws-sdk/client-s3';
import pg from 'pg';
import { assertKeyspaceName } from '../../src/db/cassandraSchema.js';
import { createS3Client } from '../../src/storage/s3Storage.js';
import { benchCassandraClient } from '../sections/references.js';

export const BENCH_KEYSPACE = 'batchport_bench';
export const BENCH_BUCKET = 'batchport-bench';
export const BENCH_PG_SCHEMA = 'bench';

/** The shared DATABASE_URL with every connection's search_path set to the bench schema. */
export function benchDatabaseUrl(shared: string): string {
  const url = new URL(shared);
  url.searchParams.set('options', `-c search_path=${BENCH_PG_SCHEMA}`);
  return url.toString();
}

/** The bench's PostgreSQL schema, empty (its batches name records of the keyspace dropped below). */
async function createSchema(sharedUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: sharedUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${BENCH_PG_SCHEMA} CASCADE`);
    await client.query(`CREATE SCHEMA ${BENCH_PG_SCHEMA}`);
  } finally {
    await client.end();
  }
}

/** Drops the bench keyspace; the stack's records store creates it again, empty. */
async function dropKeyspace(): Promise<void> {
  assertKeyspaceName(BENCH_KEYSPACE);
  const client = benchCassandraClient();
  try {
    await client.execute(`DROP KEYSPACE IF EXISTS ${BENCH_KEYSPACE}`);
  } finally {
    await client.shutdown();
  }
}

async function createBucket(): Promise<void> {
  const s3 = createS3Client({
    endpoint: process.env['SEAWEEDFS_ENDPOINT']!,
    region: process.env['SEAWEEDFS_REGION'] ?? 'us-east-1',
    accessKeyId: process.env['SEAWEEDFS_ACCESS_KEY']!,
    secretAccessKey: process.env['SEAWEEDFS_SECRET_KEY']!,
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BENCH_BUCKET })).catch((error: unknown) => {
      const name = error instanceof S3ServiceException ? error.name : '';
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') {
        throw error;
      }
    });
    await s3.send(new HeadBucketCommand({ Bucket: BENCH_BUCKET }));
  } finally {
    s3.destroy();
  }
}

/**
 * Creates the bench's schema (empty) and bucket, drops its keyspace (created again by the stack's
 * records store) and points this process's environment at them.
 */
export async function isolate(): Promise<Record<string, string>> {
  const shared = process.env['DATABASE_URL']!;
  await createSchema(shared);
  await dropKeyspace();
  await createBucket();
  const env = {
    DATABASE_URL: benchDatabaseUrl(shared),
    CASSANDRA_KEYSPACE: BENCH_KEYSPACE,
    SEAWEEDFS_BUCKET: BENCH_BUCKET,
  };
  Object.assign(process.env, env);
  return env;
}
