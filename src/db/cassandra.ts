import type { Config } from '../config/config.js';
import cassandra from 'cassandra-driver';
import { readFileSync } from 'node:fs';
import type { CassandraConsistency } from '../config/config.js';

export type CassandraClient = cassandra.Client;

export interface CassandraOptions {
  /** `host`, `host:port`, `ipv4:port` or `[ipv6]:port`. */
  contactPoints: string[];
  localDataCenter: string;
  /** TCP connect timeout per connection attempt. */
  connectTimeoutMs?: number;
  /** Per-request client-side timeout (driver `readTimeout`). Must exceed the server's write/read timeouts. */
  requestTimeoutMs?: number;
  /** Consistency of every read and write; default LOCAL_QUORUM (see CASSANDRA_CONSISTENCY). */
  consistency?: CassandraConsistency;
  /** PasswordAuthenticator credentials (CASSANDRA_USERNAME/PASSWORD). */
  credentials?: { username: string; password: string };
  /** TLS, certificates always verified; `caFile` (PEM) replaces the system's CAs. */
  tls?: { caFile?: string };
}

const CONSISTENCY_CODES: Record<CassandraConsistency, number> = {
  ONE: cassandra.types.consistencies.one,
  LOCAL_ONE: cassandra.types.consistencies.localOne,
  QUORUM: cassandra.types.consistencies.quorum,
  LOCAL_QUORUM: cassandra.types.consistencies.localQuorum,
  EACH_QUORUM: cassandra.types.consistencies.eachQuorum,
  ALL: cassandra.types.consistencies.all,
};

/** How long each DDL statement waits for all nodes to agree on the schema. */
const SCHEMA_AGREEMENT_WAIT_SECONDS = 20;

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
    protocolOptions: {
      port,
      maxSchemaAgreementWaitSeconds: SCHEMA_AGREEMENT_WAIT_SECONDS,
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
        [cassandra.types.distance.local]: 2,
        [cassandra.types.distance.remote]: 1,
      },
      heartBeatInterval: 30_000,
      warmup: true,
    },
    queryOptions: {
      prepare: true,
      // Default LOCAL_QUORUM: read-your-writes across processes (worker writes, API reads) on
      // multi-node clusters while one replica of three is down; equal to ONE on a single node.
      consistency: CONSISTENCY_CODES[options.consistency ?? 'LOCAL_QUORUM'],
      fetchSize: 1_000,
    },
    // DSE "insights" reporting is useless against Apache Cassandra.
    monitorReporting: { enabled: false },
    ...(options.credentials && { credentials: options.credentials }),
    ...(options.tls && {
      sslOptions: {
        rejectUnauthorized: true,
        ...(options.tls.caFile !== undefined && { ca: [readFileSync(options.tls.caFile)] }),
      },
    }),
  });
}

/** The client of the configured Cassandra records store (RECORDS_STORE=cassandra): each user of it builds its own from this. */
export function cassandraClientFor(
  records: Extract<Config['records'], { kind: 'cassandra' }>,
): CassandraClient {
  return createCassandraClient({
    contactPoints: records.contactPoints,
    localDataCenter: records.localDataCenter,
    consistency: records.consistency,
    ...(records.credentials && { credentials: records.credentials }),
    ...(records.tls && { tls: records.tls }),
  });
}
