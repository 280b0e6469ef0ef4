import { FIELD_LIST, KIND_COLUMN_TYPES } from '../contacts/contactSchema.js';
import { DependencyUnavailableError } from '../errors.js';
import type { CassandraClient } from './cassandra.js';
import { cassandraCredentialsRefused, isColumnAlreadyAdded, wrapCassandraError } from './cassandraErrors.js';

export interface CassandraSchemaOptions {
  /** SimpleStrategy replication factor, default 1 (single local node). */
  replicationFactor?: number;
  /** Upper bound on waiting for schema agreement after the DDL, default 30 s. */
  schemaAgreementTimeoutMs?: number;
}

const IDENTIFIER = /^[a-z][a-z0-9_]{0,47}$/;

export function assertKeyspaceName(keyspace: string): void {
  if (!IDENTIFIER.test(keyspace)) {
    throw new TypeError(
      `invalid Cassandra keyspace name "${keyspace}" (lower-case letters, digits, _; max 48)`,
    );
  }
}

/**
 * batch_records columns (name -> CQL type): the key, one column per contact field (from the
 * contact schema) and `null_mask`, the bits of fields left unset instead of written as null
 * (see cassandraRecordRow.ts).
 */
export const RECORD_TABLE_COLUMNS: ReadonlyMap<string, string> = new Map([
  ['batch_id', 'uuid'],
  ['bucket', 'int'],
  ...FIELD_LIST.map((f): [string, string] => [f.spec.cassandra, KIND_COLUMN_TYPES[f.spec.kind].cassandra]),
  ['null_mask', 'int'],
]);

/** DDL for the records store; every statement is idempotent. */
export function recordsSchemaStatements(keyspace: string, replicationFactor: number): string[] {
  assertKeyspaceName(keyspace);
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    throw new TypeError(`invalid replication factor ${replicationFactor}`);
  }
  const recordColumns = [...RECORD_TABLE_COLUMNS].map(([name, type]) => `${name} ${type},`).join('\n       ');
  return [
    `CREATE KEYSPACE IF NOT EXISTS ${keyspace}
       WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${replicationFactor}}`,
    // Partition = (batch, bucket of bucketSize row numbers): bounded partitions however large the
    // upload. Null fields are left unset and flagged in `null_mask` so rows carry no tombstones.
    `CREATE TABLE IF NOT EXISTS ${keyspace}.batch_records (
       ${recordColumns}
       PRIMARY KEY ((batch_id, bucket), row_number)
     ) WITH CLUSTERING ORDER BY (row_number ASC)`,
    `CREATE TABLE IF NOT EXISTS ${keyspace}.batch_invalid_rows (
       batch_id uuid,
       bucket int,
       row_number int,
       reason text,
       original text,
       PRIMARY KEY ((batch_id, bucket), row_number)
     ) WITH CLUSTERING ORDER BY (row_number ASC)`,
    // Which buckets exist per batch and kind ('record' | 'invalid'): paging, counting and
    // deleting walk this small partition instead of scanning.
    `CREATE TABLE IF NOT EXISTS ${keyspace}.batch_buckets (
       batch_id uuid,
       kind text,
       bucket int,
       PRIMARY KEY (batch_id, kind, bucket)
     ) WITH CLUSTERING ORDER BY (kind ASC, bucket ASC)`,
  ];
}

/** Live batch_records columns (name -> CQL type as system_schema spells it). */
export async function liveRecordColumns(
  client: CassandraClient,
  keyspace: string,
): Promise<Map<string, string>> {
  const result = await client.execute(
    'SELECT column_name, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?',
    [keyspace, 'batch_records'],
    { prepare: true },
  );
  return new Map(result.rows.map((r) => [r['column_name'] as string, r['type'] as string]));
}

/**
 * The DDL check. CREATE TABLE IF NOT EXISTS leaves an older table as it is, so a column of the
 * schema that the live table lacks (a field added since) is added with ALTER TABLE; a column
 * with another type cannot be fixed additively and stops the start.
 */
async function reconcileRecordColumns(client: CassandraClient, keyspace: string): Promise<void> {
  const live = await liveRecordColumns(client, keyspace);
  for (const [column, type] of RECORD_TABLE_COLUMNS) {
    const found = live.get(column);
    if (found === type) {
      continue;
    }
    if (found !== undefined) {
      throw new Error(`${keyspace}.batch_records.${column} is ${found}, the contact schema says ${type}`);
    }
    try {
      await client.execute(`ALTER TABLE ${keyspace}.batch_records ADD ${column} ${type}`, [], {
        prepare: false,
      });
    } catch (error) {
      if (!isColumnAlreadyAdded(error)) {
        throw error;
      }
    }
  }
}

interface MetadataWithAgreement {
  checkSchemaAgreement(): Promise<boolean>;
}

/**
 * Creates the keyspace and tables if missing, adds missing columns, then waits until every node
 * agrees on the schema (the driver already waits after each DDL; this re-checks so the caller
 * never races a disagreeing cluster).
 */
export async function ensureCassandraSchema(
  client: CassandraClient,
  keyspace: string,
  options: CassandraSchemaOptions = {},
): Promise<void> {
  const [createKeyspace, ...createTables] = recordsSchemaStatements(keyspace, options.replicationFactor ?? 1);
  try {
    // Cassandra checks CREATE on ALL KEYSPACES even for CREATE KEYSPACE IF NOT EXISTS: a role with
    // rights on its own keyspace only (the production set-up, docs/deployment.md) must skip it.
    const existing = await client.execute(
      'SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?',
      [keyspace],
      { prepare: true },
    );
    const statements = existing.rowLength > 0 ? createTables : [createKeyspace!, ...createTables];
    for (const statement of statements) {
      await client.execute(statement, [], { prepare: false });
    }
    await reconcileRecordColumns(client, keyspace);
    const deadline = Date.now() + (options.schemaAgreementTimeoutMs ?? 30_000);
    const metadata = client.metadata as unknown as MetadataWithAgreement;
    while (!(await metadata.checkSchemaAgreement())) {
      if (Date.now() > deadline) {
        throw new DependencyUnavailableError('Cassandra nodes did not reach schema agreement in time', {
          dependency: 'records',
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (error) {
    // The first statement is the process's first contact: refused credentials surface here.
    throw cassandraCredentialsRefused(error) ?? wrapCassandraError(error, 'creating the Cassandra schema');
  }
}
