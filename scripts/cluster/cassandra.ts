/** Three Cassandra nodes on 127.0.0.1-3 (same ports each), started one after the other. */
import cassandraDriver from 'cassandra-driver';
import { portOpen } from '../services/common.js';
import { CASSANDRA_DC, JAVA17, prepareCassandraNode } from '../services/cassandra.js';
import type { ClusterProc } from './procs.js';
import { procDir } from './procs.js';
import {
  CASSANDRA_CQL_PORT,
  CASSANDRA_HEAP_MAX,
  CASSANDRA_HEAP_MIN,
  CASSANDRA_NODES,
  CASSANDRA_STORAGE_PORT,
} from './topology.js';

type Node = (typeof CASSANDRA_NODES)[number];

export const cassandraContactPoints = (): string =>
  CASSANDRA_NODES.map((n) => `${n.address}:${CASSANDRA_CQL_PORT}`).join(',');

/** True when this node answers CQL and sees all three nodes up (gossip settled). */
async function nodeReady(node: Node): Promise<boolean> {
  if (!(await portOpen(CASSANDRA_CQL_PORT, node.address))) {
    return false;
  }
  const client = new cassandraDriver.Client({
    contactPoints: [`${node.address}:${CASSANDRA_CQL_PORT}`],
    localDataCenter: CASSANDRA_DC,
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
    return true;
  } catch {
    return false;
  } finally {
    await client.shutdown().catch(() => undefined);
  }
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
        yaml: {
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
