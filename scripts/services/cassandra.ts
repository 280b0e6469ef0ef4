/**
 * Apache Cassandra 5.0.x, single node, from Maven Central (`org.apache.cassandra:cassandra-all`),
 * run with `java -cp .tools/cassandra/lib/* org.apache.cassandra.service.CassandraDaemon` on
 * Debian's OpenJDK 17. Classpath assembled by Maven from a generated pom and cached under `.tools/`.
 * All ports on 127.0.0.1: CQL 59042, storage (gossip) 57000, local JMX 57199 (each + `BATCHPORT_PORT_OFFSET`).
 */
import cassandraDriver from 'cassandra-driver';
import fs from 'node:fs';
import path from 'node:path';
import {
  aptInstall,
  ensureDir,
  exists,
  log,
  port,
  portOpen,
  run,
  ServiceError,
  serviceDir,
  spawnDetached,
  TOOLS_DIR,
  which,
  type ServiceDef,
} from './common.js';

export const CASSANDRA_VERSION = '5.0.9';
export const CQL_PORT = port('cql');
export const STORAGE_PORT = port('cassandraStorage');
export const JMX_PORT = port('cassandraJmx');
export const CASSANDRA_DC = 'datacenter1';
export const CASSANDRA_KEYSPACE = 'batchport';
export const JAVA17 = '/usr/lib/jvm/java-17-openjdk-amd64/bin/java';
/** Fixed heap: without it the JVM takes a quarter of RAM. */
export const CASSANDRA_HEAP = process.env.BATCHPORT_CASSANDRA_HEAP ?? '1g';

const CASS_TOOLS = path.join(TOOLS_DIR, 'cassandra');
const LIB = path.join(CASS_TOOLS, 'lib');
const LIB_DONE = path.join(LIB, `.complete-${CASSANDRA_VERSION}`);
const M2 = path.join(TOOLS_DIR, 'm2');
const dir = (): string => serviceDir('cassandra');
const logFile = (): string => path.join(dir(), 'cassandra.log');

/** From Cassandra 5.0 conf/jvm17-server.options, plus the extras zipkin/cassandra-unit add. */
export const JDK17_MODULE_FLAGS = [
  '-Djdk.attach.allowAttachSelf=true',
  '--add-exports',
  'java.base/jdk.internal.misc=ALL-UNNAMED',
  '--add-exports',
  'java.base/jdk.internal.ref=ALL-UNNAMED',
  '--add-exports',
  'java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-exports',
  'java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED',
  '--add-exports',
  'java.management/com.sun.jmx.remote.security=ALL-UNNAMED',
  '--add-exports',
  'java.rmi/sun.rmi.registry=ALL-UNNAMED',
  '--add-exports',
  'java.rmi/sun.rmi.server=ALL-UNNAMED',
  '--add-exports',
  'java.sql/java.sql=ALL-UNNAMED',
  '--add-exports',
  'java.base/java.lang.ref=ALL-UNNAMED',
  '--add-exports',
  'jdk.unsupported/sun.misc=ALL-UNNAMED',
  '--add-exports',
  'jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED',
  '--add-exports',
  'jdk.attach/sun.tools.attach=ALL-UNNAMED',
  '--add-opens',
  'java.base/java.lang.module=ALL-UNNAMED',
  '--add-opens',
  'java.base/jdk.internal.loader=ALL-UNNAMED',
  '--add-opens',
  'java.base/jdk.internal.ref=ALL-UNNAMED',
  '--add-opens',
  'java.base/jdk.internal.reflect=ALL-UNNAMED',
  '--add-opens',
  'java.base/jdk.internal.math=ALL-UNNAMED',
  '--add-opens',
  'java.base/jdk.internal.module=ALL-UNNAMED',
  '--add-opens',
  'java.base/jdk.internal.util.jar=ALL-UNNAMED',
  '--add-opens',
  'jdk.management/com.sun.management.internal=ALL-UNNAMED',
  '--add-opens',
  'java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens',
  'java.base/java.io=ALL-UNNAMED',
  '--add-opens',
  'java.base/java.lang.reflect=ALL-UNNAMED',
  '--add-opens',
  'jdk.compiler/com.sun.tools.javac=ALL-UNNAMED',
  '--add-opens',
  'java.base/java.lang=ALL-UNNAMED',
  '--add-opens',
  'java.base/java.util=ALL-UNNAMED',
  '--add-opens',
  'java.base/java.util.concurrent=ALL-UNNAMED',
  '--add-opens',
  'java.base/java.util.concurrent.atomic=ALL-UNNAMED',
  '--add-opens',
  'java.base/java.nio=ALL-UNNAMED',
];

/** G1 settings and Netty flags from conf/jvm17-server.options / jvm-server.options. */
const JVM_TUNING = [
  '-XX:+UseG1GC',
  '-XX:+ParallelRefProcEnabled',
  '-XX:MaxTenuringThreshold=1',
  '-XX:G1HeapRegionSize=16m',
  '-XX:G1RSetUpdatingPauseTimePercent=5',
  '-XX:MaxGCPauseMillis=300',
  '-XX:InitiatingHeapOccupancyPercent=70',
  '-Xss256k',
  '-XX:+PerfDisableSharedMem',
  '-XX:+UseTLAB',
  '-XX:+ResizeTLAB',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.net.preferIPv4Stack=true',
  '-Dio.netty.tryReflectionSetAccessible=true',
  '-Dio.netty.allocator.useCacheForAllThreads=true',
  '-Dio.netty.allocator.maxOrder=11',
  '-da:net.openhft...',
];

/**
 * How the commit log is synced; both modes are durable (a write is acknowledged only after its
 * commit log entry is on disk). `batch`: each sync starts as soon as the previous one ends, with
 * every write that arrived meanwhile. `group:<window>`: syncs at most once per window, every
 * write of the window waiting for it (fewer, larger syncs; each write waits up to the window).
 * BATCHPORT_CASSANDRA_COMMITLOG picks one for an A/B (bench/commitlogAb.ts); the default, batch,
 * is the one measured faster (docs/performance.md, "Commit log sync": 7.2k vs 5.6k rows/s for
 * group with a 10 ms window, interleaved, same run).
 */
export const CASSANDRA_COMMITLOG = process.env.BATCHPORT_CASSANDRA_COMMITLOG ?? 'batch';

function commitlogYaml(mode: string): string {
  if (mode === 'batch') {
    return 'commitlog_sync: batch';
  }
  const group = /^group:(\d+)ms$/.exec(mode);
  if (!group) {
    throw new ServiceError(`BATCHPORT_CASSANDRA_COMMITLOG must be "batch" or "group:<N>ms", not "${mode}"`);
  }
  return `commitlog_sync: group\ncommitlog_sync_group_window: ${group[1]}ms`;
}

/** What differs between the single dev node and the nodes of `npm run cluster`. */
export interface CassandraNodeYaml {
  clusterName: string;
  /** listen_address and rpc_address of this node. */
  address: string;
  /** `host:port` list of seed nodes. */
  seeds: string;
  initialToken: string;
  storagePort: number;
  cqlPort: number;
  /**
   * PasswordAuthenticator + CassandraAuthorizer (the cluster, issue #19); the single dev node
   * runs without, like the rest of `npm run services`.
   */
  auth?: boolean;
  /** Commit log sync mode (see CASSANDRA_COMMITLOG); default CASSANDRA_COMMITLOG. */
  commitlog?: string;
}

export function cassandraYaml(n: CassandraNodeYaml): string {
  return `# generated by scripts/services/cassandra.ts; rewritten on every start (unknown keys are fatal)
cluster_name: ${n.clusterName}
num_tokens: 1
initial_token: ${n.initialToken}
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "${n.seeds}"
listen_address: ${n.address}
rpc_address: ${n.address}
storage_port: ${n.storagePort}
native_transport_port: ${n.cqlPort}
start_native_transport: true
${
  n.auth === true
    ? `authenticator: PasswordAuthenticator
authorizer: CassandraAuthorizer
role_manager: CassandraRoleManager
`
    : ''
}# batch or group: a write is acknowledged only once its commit log entry is on disk (concurrent
# writes share one sync). In periodic mode (sync every 10 s) a SIGKILLed node came back without
# the writes of its last seconds: 4 batches already \`loaded\` had no records (hardKill.test.ts).
${commitlogYaml(n.commitlog ?? CASSANDRA_COMMITLOG)}
auto_snapshot: false
snapshot_before_compaction: false
# sized for a 2-core dev/test box
concurrent_reads: 8
concurrent_writes: 16
concurrent_counter_writes: 4
concurrent_materialized_view_writes: 2
concurrent_compactors: 1
memtable_flush_writers: 1
native_transport_max_threads: 32
compaction_throughput: 64MiB/s
`;
}

const LOGBACK = `<?xml version="1.0" encoding="UTF-8"?>
<!-- generated by scripts/services/cassandra.ts: quiet console log (stdout is redirected to cassandra.log) -->
<configuration scan="false">
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %logger{0}: %msg%n</pattern></encoder>
  </appender>
  <logger name="org.apache.cassandra.service.CassandraDaemon" level="INFO"/>
  <logger name="org.apache.cassandra.service.StorageService" level="INFO"/>
  <logger name="org.apache.cassandra.transport" level="INFO"/>
  <root level="WARN"><appender-ref ref="STDOUT"/></root>
</configuration>
`;

async function ensureJava(): Promise<void> {
  if (exists(JAVA17)) {
    return;
  }
  await aptInstall(['openjdk-17-jre-headless'], `OpenJDK 17 (${JAVA17})`);
  if (!exists(JAVA17)) {
    throw new ServiceError(`OpenJDK 17 still missing at ${JAVA17}; install openjdk-17-jre-headless`);
  }
}

async function ensureClasspath(): Promise<void> {
  if (exists(LIB_DONE)) {
    return;
  }
  let mvn = which('mvn');
  if (!mvn) {
    await aptInstall(['maven'], 'Maven (mvn, to fetch cassandra-all and its dependencies)');
    mvn = which('mvn');
    if (!mvn) {
      throw new ServiceError('mvn still missing after installing maven');
    }
  }
  ensureDir(CASS_TOOLS);
  const pom = path.join(CASS_TOOLS, 'pom.xml');
  fs.writeFileSync(
    pom,
    `<?xml version="1.0" encoding="UTF-8"?>
<!-- generated by scripts/services/cassandra.ts: only used to resolve the Cassandra runtime classpath -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.batchport</groupId>
  <artifactId>cassandra-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.cassandra</groupId>
      <artifactId>cassandra-all</artifactId>
      <version>${CASSANDRA_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`,
  );
  const tmp = `${LIB}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  log(`cassandra: resolving cassandra-all ${CASSANDRA_VERSION} classpath with Maven into ${LIB}`);
  const r = await run(
    mvn,
    [
      '-q',
      '-B',
      `-Dmaven.repo.local=${M2}`,
      '-f',
      pom,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${tmp}`,
    ],
    { cwd: CASS_TOOLS, env: { ...process.env, JAVA_HOME: path.dirname(path.dirname(JAVA17)) } },
  );
  if (r.code !== 0 || !exists(path.join(tmp, `cassandra-all-${CASSANDRA_VERSION}.jar`))) {
    throw new ServiceError(
      `could not fetch org.apache.cassandra:cassandra-all:${CASSANDRA_VERSION} from Maven Central (mvn exit ${r.code}):\n` +
        `${(r.stdout + r.stderr).trim().split('\n').slice(-20).join('\n')}\n` +
        `Provide the jars yourself in ${LIB} (mvn dependency:copy-dependencies of cassandra-all) and create ${LIB_DONE}.`,
    );
  }
  fs.rmSync(LIB, { recursive: true, force: true });
  fs.renameSync(tmp, LIB);
  fs.writeFileSync(LIB_DONE, new Date().toISOString() + '\n');
}

export const cassandra: ServiceDef = {
  name: 'cassandra',
  port: CQL_PORT,
  ports: [CQL_PORT, STORAGE_PORT, JMX_PORT],
  marker: 'org.apache.cassandra.service.CassandraDaemon',
  readyTimeoutMs: 180_000,
  stopSignal: 'SIGTERM', // runs Cassandra's drain-on-shutdown hook
  stopGraceMs: 60_000,
  logFile,

  async install() {
    await Promise.all([ensureJava(), ensureClasspath()]);
  },

  start() {
    const args = prepareCassandraNode({
      dir: dir(),
      heapMin: CASSANDRA_HEAP,
      heapMax: CASSANDRA_HEAP,
      jmxPort: JMX_PORT,
      unsafeSystem: true, // throwaway dev/test data
      yaml: {
        clusterName: 'batchport-dev',
        address: '127.0.0.1',
        seeds: `127.0.0.1:${STORAGE_PORT}`,
        initialToken: '0',
        storagePort: STORAGE_PORT,
        cqlPort: CQL_PORT,
      },
    });
    return Promise.resolve(spawnDetached(JAVA17, args, logFile(), { cwd: dir() }));
  },

  async probe() {
    if (!(await portOpen(CQL_PORT))) {
      return false;
    }
    return (await cqlReleaseVersion().catch(() => undefined)) !== undefined;
  },

  async bootstrap() {
    const client = cqlClient();
    try {
      await client.execute(
        `CREATE KEYSPACE IF NOT EXISTS ${CASSANDRA_KEYSPACE} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      );
    } finally {
      await client.shutdown();
    }
  },

  env: () => ({
    CASSANDRA_CONTACT_POINTS: `127.0.0.1:${CQL_PORT}`,
    CASSANDRA_LOCAL_DC: CASSANDRA_DC,
    CASSANDRA_KEYSPACE,
  }),
};

/**
 * Writes conf/cassandra.yaml and conf/logback.xml under `o.dir` and returns the java arguments
 * that run that node (shared with the three nodes of `npm run cluster`).
 */
export function prepareCassandraNode(o: {
  dir: string;
  heapMin: string;
  heapMax: string;
  jmxPort: number;
  yaml: CassandraNodeYaml;
  /**
   * Skip the commit log for the system keyspaces (faster start). Only for a single throwaway
   * node: a SIGKILLed cluster node would come back without its schema and fail reads until
   * gossip restored it.
   */
  unsafeSystem: boolean;
  /**
   * JMX (still on loopback only) with authentication: JDK password and access files, mode 600.
   * Without it, any local process could run nodetool against the node.
   */
  jmxAuth?: { passwordFile: string; accessFile: string };
}): string[] {
  const conf = path.join(o.dir, 'conf');
  for (const d of [conf, path.join(o.dir, 'data'), path.join(o.dir, 'logs'), path.join(o.dir, 'triggers')]) {
    ensureDir(d);
  }
  fs.writeFileSync(path.join(conf, 'cassandra.yaml'), cassandraYaml(o.yaml));
  fs.writeFileSync(path.join(conf, 'logback.xml'), LOGBACK);
  const jamm = fs.readdirSync(LIB).find((f) => /^jamm-.*\.jar$/.test(f));
  return [
    `-Xms${o.heapMin}`,
    `-Xmx${o.heapMax}`,
    ...JVM_TUNING,
    ...JDK17_MODULE_FLAGS,
    ...(jamm ? [`-javaagent:${path.join(LIB, jamm)}`] : []),
    '-Dcassandra-foreground=yes',
    `-Dcassandra.config=file://${path.join(conf, 'cassandra.yaml')}`,
    `-Dcassandra.storagedir=${path.join(o.dir, 'data')}`,
    `-Dcassandra.logdir=${path.join(o.dir, 'logs')}`,
    `-Dcassandra.triggers_dir=${path.join(o.dir, 'triggers')}`,
    `-Dlogback.configurationFile=${path.join(conf, 'logback.xml')}`,
    `-Dcassandra.jmx.local.port=${o.jmxPort}`,
    `-Dcom.sun.management.jmxremote.rmi.port=${o.jmxPort}`, // else RMI picks a random port
    '-Djava.rmi.server.hostname=127.0.0.1',
    ...(o.jmxAuth
      ? [
          '-Dcom.sun.management.jmxremote.authenticate=true',
          `-Dcom.sun.management.jmxremote.password.file=${o.jmxAuth.passwordFile}`,
          `-Dcom.sun.management.jmxremote.access.file=${o.jmxAuth.accessFile}`,
        ]
      : []),
    '-Dcassandra.skip_wait_for_gossip_to_settle=0',
    '-Dcassandra.ring_delay_ms=1000',
    '-Dcassandra.load_ring_state=false',
    ...(o.unsafeSystem ? ['-Dcassandra.unsafesystem=true'] : []),
    `-XX:ErrorFile=${path.join(o.dir, 'logs', 'hs_err_%p.log')}`,
    '-cp',
    `${LIB}/*`,
    'org.apache.cassandra.service.CassandraDaemon',
  ];
}

export function cqlClient(keyspace?: string): cassandraDriver.Client {
  return new cassandraDriver.Client({
    contactPoints: [`127.0.0.1:${CQL_PORT}`],
    localDataCenter: CASSANDRA_DC,
    ...(keyspace ? { keyspace } : {}),
    socketOptions: { connectTimeout: 3000, readTimeout: 10_000 },
  });
}

/** `SELECT release_version FROM system.local` over a real CQL connection. */
export async function cqlReleaseVersion(): Promise<string> {
  const client = cqlClient();
  try {
    const rs = await client.execute('SELECT release_version FROM system.local');
    return String(rs.first().get('release_version'));
  } finally {
    await client.shutdown();
  }
}
