/**
 * Issue #21: the contact index's own statements against the records write they accompany, on
 * the same 5,000-record chunks the worker writes (Cassandra, the bench's keyspace or
 * CASSANDRA_KEYSPACE). Times, per chunk: records.writeRecords, index.write, index.firstSightings.
 *
 *   BATCHPORT_PORT_OFFSET=… npx tsx scripts/withStack.ts --all -- npx tsx bench/micro/contactIndexCost.ts
 */
import { randomUUID } from 'node:crypto';
import { createCassandraContactIndex } from '../../src/contactIndex/cassandraContactIndex.js';
import { keysOfRecords } from '../../src/contactIndex/seenIn.js';
import { createCassandraClient } from '../../src/db/cassandra.js';
import { createCassandraRecordsRepository } from '../../src/repositories/records/cassandraRecordsRepository.js';
import { contactsCsv } from '../lib/data.js';
import { parseInMemory } from '../lib/parse.js';

const keyspace = process.env['CASSANDRA_KEYSPACE'] ?? 'batchport';
const client = createCassandraClient({
  contactPoints: process.env['CASSANDRA_CONTACT_POINTS']!.split(','),
  localDataCenter: process.env['CASSANDRA_LOCAL_DC'] ?? 'datacenter1',
});
const records = createCassandraRecordsRepository(client, { keyspace, closeClient: false });
await records.init();
const index = createCassandraContactIndex(client, {
  keyspace,
  ...(process.env['SHARDS'] && { shards: Number(process.env['SHARDS']) }),
  ...(process.env['ROWS_PER_BATCH'] && { rowsPerBatch: Number(process.env['ROWS_PER_BATCH']) }),
  ...(process.env['KEYS_PER_READ'] && { keysPerRead: Number(process.env['KEYS_PER_READ']) }),
});
await index.init();
const { records: parsed } = await parseInMemory(contactsCsv(2_000_000, 11).bytes, 'csv');
const chunks: (typeof parsed)[] = [];
for (let i = 0; i < parsed.length; i += 5_000) {
  chunks.push(parsed.slice(i, i + 5_000));
}
const time = async (fn: () => Promise<unknown>) => {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const totals = { records: 0, indexWrite: 0, indexRead: 0 };
// The worker reads places before its own (seq 1 here: nothing); SEQ_BEFORE=2 also reads its own
// sightings back, as reads did before they were bounded (the A/B of docs/performance.md).
const SEQ_BEFORE = Number(process.env['SEQ_BEFORE'] ?? 1);
const batchId = randomUUID();
const owner = { userId: `micro-${batchId}`, batchId, seq: 1, recordsKey: batchId };
await index.register(owner);
for (const chunk of chunks) {
  totals.records += await time(() => records.writeRecords(batchId, chunk));
  totals.indexWrite += await time(() => index.write(owner, chunk));
  totals.indexRead += await time(() =>
    index.firstSightings(owner.userId, keysOfRecords(chunk), { before: SEQ_BEFORE }),
  );
}
console.log(
  JSON.stringify({
    records: parsed.length,
    sightings: parsed.reduce((n, r) => n + keysOfRecords([r]).length, 0),
    ms: Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, Math.round(v)])),
  }),
);
await records.deleteBatch(batchId);
await index.release(batchId, async function* () {
  yield await Promise.resolve(parsed);
});
await client.shutdown();
