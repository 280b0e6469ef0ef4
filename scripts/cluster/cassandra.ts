/**
 * Three Cassandra nodes on 127.0.0.1-3 (same ports each), started one after the other, with
 * PasswordAuthenticator and CassandraAuthorizer on and JMX behind a password (issue #19).
 * `setupCassandraRoles` then replaces the default `cassandra` superuser and makes the app's role.
 */
import cassandraDriver from 'cassandra-driver';
import fs from 'node:fs';
import path from 'node:path';
import { portOpen } from '../services/common.js';
import { CASSANDRA_DC, CASSANDRA_KEYSPACE, JAVA17, prepareCassandraNode } from '../services/cassandra.js';
import type { ClusterProc } from './procs.js';
import { procDir } from './procs.js';
import { clusterSecrets, writePrivate } from './secrets.js';
import {
  CASSANDRA_CQL_PORT,
  CASSANDRA_HEAP_MAX,
  CASSANDRA_HEAP_MIN,
  CASSANDRA_NODES,
  CASSANDRA_RF,
  CASSANDRA_STORAGE_PORT,
} from './topology.js';

type Node = (typeof CASSANDRA_NODES)[number];

export const cassandraContactPoints = (): string =>
  CASSANDRA_NODES.map((n) => `${n.address}:${CASSANDRA_CQL_PORT}`).join(',');

/** Cassandra's built-in superuser on a fresh cluster; dropped by setupCassandraRoles. */
const DEFAULT_SUPERUSER = { username: 'cassandra', password: 'cassandra' };

type Credentials = { username: string; password: string };

/** A driver client that logs in with `credentials` (or none: the anonymous case of the tests). */
export function cqlClient(
  credentials: Credentials | undefined,
  extra: Partial<cassandraDriver.ClientOptions> = {},
): cassandraDriver.Client {
  return new cassandraDriver.Client({
    contactPoints: cassandraContactPoints().split(','),
    localDataCenter: CASSANDRA_DC,
    ...(credentials && {
      authProvider: new cassandraDriver.auth.PlainTextAuthProvider(
        credentials.username,
        credentials.password,
      ),
    }),
    ...extra,
  });
}

/**
 * True when this node serves CQL: a login succeeds, or the node answers the login with an
 * authentication error. The second case is a restart: `system_auth` is replicated to all three
 * nodes and Cassandra 5 reads roles at LOCAL_QUORUM (`auth_read_consistency_level`), so the
 * first node up cannot log anyone in until a second one runs, and waiting for a login there
 * kept the others from ever starting. The setup after the last node (`setupCassandraRoles`)
 * logs in for real, and fails loudly if the credentials are wrong.
 */
async function nodeReady(node: Node): Promise<boolean> {
  if (!(await portOpen(CASSANDRA_CQL_PORT, node.address))) {
    return false;
  }
  // The setup's superuser once it exists; before that (first start) the built-in one.
  let answered = false;
  for (const credentials of [clusterSecrets().cassandraAdmin, DEFAULT_SUPERUSER]) {
    const login = await loginAs(node, credentials);
    if (login === 'ok') {
      return true;
    }
    answered ||= login === 'refused';
  }
  return answered;
}

/** A login's outcome on one node: `refused` when the node answered it with an authentication error. */
async function loginAs(node: Node, credentials: Credentials): Promise<'ok' | 'refused' | 'no answer'> {
  const client = cqlClient(credentials, {
    contactPoints: [`${node.address}:${CASSANDRA_CQL_PORT}`],
    // Only this node: the probe is about it, not about whichever node the driver prefers.
    policies: {
      loadBalancing: new cassandraDriver.policies.loadBalancing.AllowListPolicy(
        new cassandraDriver.policies.loadBalancing.DCAwareRoundRobinPolicy(CASSANDRA_DC),
        [`${node.address}:${CASSANDRA_CQL_PORT}`],
      ),
    },
    socketOptions: { connectTimeout: 3000, readTimeout: 10_000 },
  });
  try {
    await client.execute('SELECT release_version FROM system.local');
    return 'ok';
  } catch (error) {
    return refusedLogin(error) ? 'refused' : 'no answer';
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}

/** The driver's own error types: the node's answer to the login was an authentication error. */
function refusedLogin(error: unknown): boolean {
  const { AuthenticationError, NoHostAvailableError } = cassandraDriver.errors;
  if (error instanceof NoHostAvailableError) {
    return Object.values(error.innerErrors as Record<string, unknown>).some(
      (inner) => inner instanceof AuthenticationError,
    );
  }
  return error instanceof AuthenticationError;
}

/** JDK JMX password and access files (mode 600, as the JDK requires for the password file). */
function jmxAuthFiles(dir: string): { passwordFile: string; accessFile: string } {
  const { jmx } = clusterSecrets();
  fs.mkdirSync(path.join(dir, 'conf'), { recursive: true });
  const passwordFile = path.join(dir, 'conf', 'jmxremote.password');
  const accessFile = path.join(dir, 'conf', 'jmxremote.access');
  writePrivate(passwordFile, `${jmx.username} ${jmx.password}\n`);
  writePrivate(accessFile, `${jmx.username} readwrite\n`);
  return { passwordFile, accessFile };
}

export function cassandraNode(node: Node): ClusterProc {
  const dir = procDir(node.name);
  return {
    name: node.name,
    binds: [
      { host: node.address, port: CASSANDRA_CQL_PORT },
      { host: node.address, port: CASSANDRA_STORAGE_PORT },
      { host: '127.0.0.1', port: node.jmxPort },
    ],
    marker: `${dir}/conf/cassandra.yaml`,
    command: () => ({
      cmd: JAVA17,
      args: prepareCassandraNode({
        dir,
        heapMin: CASSANDRA_HEAP_MIN,
        heapMax: CASSANDRA_HEAP_MAX,
        jmxPort: node.jmxPort,
        unsafeSystem: false, // the fault test SIGKILLs nodes: the schema must survive that
        jmxAuth: jmxAuthFiles(dir),
        yaml: {
          auth: true,
          clusterName: 'batchport-cluster',
          address: node.address,
          seeds: `${CASSANDRA_NODES[0].address}:${CASSANDRA_STORAGE_PORT}`,
          initialToken: node.initialToken,
          storagePort: CASSANDRA_STORAGE_PORT,
          cqlPort: CASSANDRA_CQL_PORT,
        },
      }),
    }),
    probe: () => nodeReady(node),
    readyTimeoutMs: 300_000,
    stopSignal: 'SIGTERM',
    stopGraceMs: 60_000,
  };
}

export const cassandraProcs = (): ClusterProc[] => CASSANDRA_NODES.map(cassandraNode);

/**
 * Roles, once all nodes run (idempotent): `system_auth` replicated to every node (so logins
 * survive a node being down), a superuser of the cluster's own replacing the built-in
 * `cassandra`/`cassandra` (dropped), the keyspace, and the app's role with the rights it needs on
 * that keyspace only: no superuser, no other keyspace, no roles.
 */
export async function setupCassandraRoles(): Promise<void> {
  const { cassandraAdmin, cassandraApp } = clusterSecrets();
  const quote = (text: string): string => `'${text.replaceAll("'", "''")}'`;
  const admin = cqlClient(cassandraAdmin);
  try {
    await admin.connect();
  } catch {
    // First start: only the built-in superuser exists. It makes ours, then goes.
    await admin.shutdown();
    const builtin = cqlClient(DEFAULT_SUPERUSER);
    try {
      await builtin.execute(
        `ALTER KEYSPACE system_auth WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${CASSANDRA_RF}}`,
      );
      await builtin.execute(
        `CREATE ROLE IF NOT EXISTS ${cassandraAdmin.username} WITH SUPERUSER = true AND LOGIN = true AND PASSWORD = ${quote(cassandraAdmin.password)}`,
      );
    } finally {
      await builtin.shutdown();
    }
    return setupCassandraRoles();
  }
  try {
    await admin.execute(`DROP ROLE IF EXISTS ${DEFAULT_SUPERUSER.username}`);
    await admin.execute(
      `CREATE KEYSPACE IF NOT EXISTS ${CASSANDRA_KEYSPACE} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${CASSANDRA_RF}}`,
    );
    await admin.execute(
      `CREATE ROLE IF NOT EXISTS ${cassandraApp.username} WITH LOGIN = true AND PASSWORD = ${quote(cassandraApp.password)}`,
    );
    // CREATE and ALTER: the app creates its tables and adds columns at start (cassandraSchema.ts).
    for (const permission of ['SELECT', 'MODIFY', 'CREATE', 'ALTER']) {
      await admin.execute(
        `GRANT ${permission} ON KEYSPACE ${CASSANDRA_KEYSPACE} TO ${cassandraApp.username}`,
      );
    }
  } finally {
    await admin.shutdown();
  }
}
