import cassandra from 'cassandra-driver';
import { DependencyUnavailableError } from '../errors.js';

export type CassandraClient = cassandra.Client;

export interface CassandraOptions {
  /** `host`, `host:port`, `ipv4:port` or `[ipv6]:port`. */
  contactPoints: string[];
  localDataCenter: string;
  /**
   * Only set this when the keyspace is known to exist: the driver issues `USE <keyspace>` on every
   * connection and fails to connect otherwise. The repositories fully qualify table names instead.
   */
  keyspace?: string;
  /** TCP connect timeout per connection attempt. */
  connectTimeoutMs?: number;
  /** Per-request client-side timeout (driver `readTimeout`). Must exceed the server's write/read timeouts. */
  requestTimeoutMs?: number;
  /** How long DDL waits for all nodes to agree on the schema. */
  maxSchemaAgreementWaitSeconds?: number;
  /** Connections per local host; 1–2 is plenty for a single node (2048 in-flight requests each). */
  connectionsPerHost?: number;
  credentials?: { username: string; password: string };
}

const DEFAULT_PORT = 9042;

export interface ContactPoint {
  host: string;
  port: number | undefined;
}

/** Splits `host:port` / `[v6]:port` / bare host; bare IPv6 (several colons, no brackets) has no port. */
export function parseContactPoint(raw: string): ContactPoint {
  const value = raw.trim();
  if (value.length === 0) {
    throw new TypeError('empty Cassandra contact point');
  }
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (v6?.[1]) {
    return { host: v6[1], port: v6[2] === undefined ? undefined : parsePort(v6[2], raw) };
  }
  const colons = value.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = value.split(':') as [string, string];
    if (host.length === 0) {
      throw new TypeError(`invalid Cassandra contact point "${raw}"`);
    }
    return { host, port: parsePort(port, raw) };
  }
  return { host: value, port: undefined };
}

function parsePort(text: string, raw: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65_535) {
    throw new TypeError(`invalid port in Cassandra contact point "${raw}"`);
  }
  return port;
}

/**
 * Builds (does not connect) a driver client. Queries connect lazily on first use; call
 * `client.connect()` to fail fast at start-up.
 *
 * Ports: the driver connects to a contact point's own `host:port`, but hosts it discovers from
 * `system.peers` are reached on `protocolOptions.port`. So when every contact point names the
 * same port (the usual case, e.g. a local node on a non-default port), that port also becomes
 * `protocolOptions.port`; otherwise the first explicit port wins for discovered peers.
 */
export function createCassandraClient(options: CassandraOptions): CassandraClient {
  if (options.contactPoints.length === 0) {
    throw new TypeError('at least one Cassandra contact point is required');
  }
  const points = options.contactPoints.map(parseContactPoint);
  const port = points.find((p) => p.port !== undefined)?.port ?? DEFAULT_PORT;
  const contactPoints = points.map((p) => {
    const host = p.host.includes(':') ? `[${p.host}]` : p.host;
    return `${host}:${p.port ?? port}`;
  });
  const requestTimeoutMs = options.requestTimeoutMs ?? 12_000;
  return new cassandra.Client({
    contactPoints,
    localDataCenter: options.localDataCenter,
    ...(options.keyspace ? { keyspace: options.keyspace } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    protocolOptions: {
      port,
      maxSchemaAgreementWaitSeconds: options.maxSchemaAgreementWaitSeconds ?? 20,
    },
    socketOptions: {
      connectTimeout: options.connectTimeoutMs ?? 5_000,
      readTimeout: requestTimeoutMs,
      keepAlive: true,
      tcpNoDelay: true,
    },
    pooling: {
      // Protocol v4+/v5 multiplex up to 2048 requests per connection; a couple of connections
      // per node is enough for the bounded write concurrency used by the repositories.
      coreConnectionsPerHost: {
        [cassandra.types.distance.local]: options.connectionsPerHost ?? 2,
        [cassandra.types.distance.remote]: 1,
      },
      heartBeatInterval: 30_000,
      warmup: true,
    },
    queryOptions: {
      prepare: true,
      // Read-your-writes across processes (worker writes, API reads) on multi-node clusters;
      // equal to ONE on a single node.
      consistency: cassandra.types.consistencies.localQuorum,
      fetchSize: 1_000,
    },
    // DSE "insights" reporting is useless against Apache Cassandra.
    monitorReporting: { enabled: false },
  });
}

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

/** DDL for the records store; every statement is idempotent. */
export function recordsSchemaStatements(keyspace: string, replicationFactor: number): string[] {
  assertKeyspaceName(keyspace);
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    throw new TypeError(`invalid replication factor ${replicationFactor}`);
  }
  return [
    `CREATE KEYSPACE IF NOT EXISTS ${keyspace}
       WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${replicationFactor}}`,
    // Partition = (batch, bucket of bucketSize row numbers): bounded partitions however large the
    // upload. `original` is JSON text (one cell, keeps column order, no collection tombstones);
    // `issues` is a frozen list (one cell: overwriting it does not write a range tombstone the
    // way a non-frozen collection does on every INSERT). Null fields are left unset and flagged
    // in `null_mask` (see cassandraRecordsRepository.ts) so that rows carry no tombstones.
    `CREATE TABLE IF NOT EXISTS ${keyspace}.batch_records (
       batch_id uuid,
       bucket int,
       row_number int,
       full_name text,
       first_name text,
       last_name text,
       email text,
       phone text,
       company text,
       title text,
       street text,
       city text,
       region text,
       postal_code text,
       country text,
       original text,
       issues frozen<list<text>>,
       null_mask int,
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

/**
 * Columns added after a table was first created: CREATE TABLE IF NOT EXISTS leaves an older
 * table as it is, so these are added with ALTER TABLE when missing (additive changes only).
 */
const ADDED_COLUMNS: readonly { table: string; column: string; type: string }[] = [
  { table: 'batch_records', column: 'null_mask', type: 'int' },
];

async function addMissingColumns(client: CassandraClient, keyspace: string): Promise<void> {
  for (const { table, column, type } of ADDED_COLUMNS) {
    const existing = await client.execute(
      'SELECT column_name FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ? AND column_name = ?',
      [keyspace, table, column],
      { prepare: true },
    );
    if (existing.rowLength > 0) {
      continue;
    }
    try {
      await client.execute(`ALTER TABLE ${keyspace}.${table} ADD ${column} ${type}`, [], { prepare: false });
    } catch (error) {
      // Another process added it first.
      if (!(error instanceof cassandra.errors.ResponseError && /already exist/i.test(error.message))) {
        throw error;
      }
    }
  }
}

interface MetadataWithAgreement {
  checkSchemaAgreement(): Promise<boolean>;
}

/**
 * Creates the keyspace and tables if missing, then waits until every node agrees on the schema
 * (the driver already waits after each DDL up to maxSchemaAgreementWaitSeconds; this re-checks
 * so the caller never races a disagreeing cluster).
 */
export async function ensureCassandraSchema(
  client: CassandraClient,
  keyspace: string,
  options: CassandraSchemaOptions = {},
): Promise<void> {
  const statements = recordsSchemaStatements(keyspace, options.replicationFactor ?? 1);
  try {
    for (const statement of statements) {
      await client.execute(statement, [], { prepare: false });
    }
    await addMissingColumns(client, keyspace);
    const deadline = Date.now() + (options.schemaAgreementTimeoutMs ?? 30_000);
    const metadata = client.metadata as unknown as MetadataWithAgreement;
    while (!(await metadata.checkSchemaAgreement())) {
      if (Date.now() > deadline) {
        throw new DependencyUnavailableError('Cassandra nodes did not reach schema agreement in time');
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (error) {
    throw wrapCassandraError(error, 'creating the Cassandra schema');
  }
}

const UNAVAILABLE_CODES = new Set<number>([
  cassandra.types.responseErrorCodes.unavailableException,
  cassandra.types.responseErrorCodes.overloaded,
  cassandra.types.responseErrorCodes.isBootstrapping,
  cassandra.types.responseErrorCodes.writeTimeout,
  cassandra.types.responseErrorCodes.readTimeout,
  cassandra.types.responseErrorCodes.readFailure,
  cassandra.types.responseErrorCodes.writeFailure,
  cassandra.types.responseErrorCodes.truncateError,
  cassandra.types.responseErrorCodes.serverError,
]);

/** True for errors meaning "the store is down, slow or overloaded" (retryable), not a bug in the query. */
export function isCassandraUnavailable(error: unknown): boolean {
  const { errors } = cassandra;
  if (error instanceof errors.NoHostAvailableError) {
    return true;
  }
  if (error instanceof errors.OperationTimedOutError) {
    return true;
  }
  if (error instanceof errors.BusyConnectionError) {
    return true;
  }
  if (error instanceof errors.ResponseError) {
    return UNAVAILABLE_CODES.has(error.code);
  }
  if (error instanceof Error && 'code' in error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EPIPE';
  }
  return false;
}

/** Maps driver availability errors to DependencyUnavailableError; returns anything else unchanged. */
export function wrapCassandraError(error: unknown, action: string): unknown {
  if (error instanceof DependencyUnavailableError) {
    return error;
  }
  if (isCassandraUnavailable(error)) {
    return new DependencyUnavailableError(`records store unavailable while ${action}`, undefined, {
      cause: error,
    });
  }
  return error;
}
