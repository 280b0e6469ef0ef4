import type { Config } from '../config/config.js';
import { cassandraClientFor } from '../db/cassandra.js';
import type { PgPool } from '../db/postgres.js';
import { createCassandraContactIndex } from './cassandraContactIndex.js';
import type { ContactIndexStore } from './contactIndexStore.js';
import { createPostgresContactIndex } from './postgresContactIndex.js';
import type { RecordsRepository } from '../repositories/records/recordsRepository.js';
import { createContactIndexBatches } from './contactIndexBatches.js';
import { createKnownContactsService, type KnownContactsService } from './knownContactsService.js';
import { releasingContactIndex } from './releasingRecords.js';

export type { KnownContactsService } from './knownContactsService.js';

/**
 * The contact index of the configured records store (RECORDS_STORE), created after the records
 * store (whose init makes the Cassandra keyspace). Cassandra: its own client, so the index owns
 * what it closes and the records store stays untouched.
 */
export async function createContactIndexStore(config: Config, pool: PgPool): Promise<ContactIndexStore> {
  if (config.records.kind === 'postgres') {
    return createPostgresContactIndex(pool);
  }
  const client = cassandraClientFor(config.records);
  const index = createCassandraContactIndex(client, { keyspace: config.records.keyspace });
  try {
    await index.init();
  } catch (error) {
    await index.close().catch(() => undefined);
    throw error;
  }
  return index;
}

/**
 * The composition root's one call: the index store (closed with the process), the service over
 * it, and the records store wrapped so that deleting a batch's records releases its entries first.
 */
export async function connectKnownContacts(
  config: Config,
  pool: PgPool,
  records: RecordsRepository,
  closers: Array<() => Promise<unknown>>,
): Promise<{ records: RecordsRepository; knownContacts: KnownContactsService }> {
  const store = await createContactIndexStore(config, pool);
  closers.push(() => store.close());
  const knownContacts = createKnownContactsService({
    store,
    batches: createContactIndexBatches(pool),
    records,
  });
  return { records: releasingContactIndex(records, store), knownContacts };
}
