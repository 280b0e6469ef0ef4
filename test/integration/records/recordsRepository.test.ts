import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCassandraClient, type CassandraClient } from '../../../src/db/cassandra.js';
import { runMigrations } from '../../../src/db/migrate.js';
import { createPgPool, type PgPool } from '../../../src/db/postgres.js';
import { DependencyUnavailableError, ValidationError } from '../../../src/errors.js';
import type { ContactRecord, InvalidRow } from '../../../src/parsing/types.js';
import { createCassandraRecordsRepository } from '../../../src/repositories/records/cassandraRecordsRepository.js';
import { encodeCursor } from '../../../src/repositories/records/cursor.js';
import { createPostgresRecordsRepository } from '../../../src/repositories/records/postgresRecordsRepository.js';
import type { RecordsRepository, StoredRecord } from '../../../src/repositories/records/recordsRepository.js';
import { countRecords } from '../../support/recordsCount.js';

// Real services only: a missing setting is a failure, never a skip.
function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set. Start the services (npm run services -- up --all) and export their settings ` +
        '(set -a; source <(npm run -s services -- env); set +a) before running the integration tests.',
    );
  }
  return value;
}

const BUCKET_SIZE = 7; // small, so a few dozen rows cross several partitions
const STREAM_PAGE = 4;
const keyspace = `batchport_test_${randomBytes(4).toString('hex')}`;

// Every batch id used here, so afterAll can remove this run's rows from the shared PostgreSQL.
const usedBatchIds: string[] = [];
function newBatchId(): string {
  const id = randomUUID();
  usedBatchIds.push(id);
  return id;
}

let pool: PgPool;
let cassandraClient: CassandraClient;
const stores = new Map<string, RecordsRepository>();

beforeAll(async () => {
  const databaseUrl = requireEnv('DATABASE_URL');
  const contactPoints = requireEnv('CASSANDRA_CONTACT_POINTS')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const localDataCenter = requireEnv('CASSANDRA_LOCAL_DC');

  pool = createPgPool({
    connectionString: databaseUrl,
    maxConnections: 4,
    connectTimeoutMs: 5_000,
    statementTimeoutMs: 30_000,
  });
  await runMigrations(pool);
  stores.set('postgres', createPostgresRecordsRepository(pool, { streamPageSize: STREAM_PAGE }));

  cassandraClient = createCassandraClient({ contactPoints, localDataCenter });
  await cassandraClient.connect();
  const cassandraRepo = createCassandraRecordsRepository(cassandraClient, {
    keyspace,
    bucketSize: BUCKET_SIZE,
    concurrency: 16,
    streamPageSize: STREAM_PAGE,
    closeClient: false,
  });
  await cassandraRepo.init();
  stores.set('cassandra', cassandraRepo);
});

afterAll(async () => {
  if (cassandraClient) {
    await cassandraClient.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
    await cassandraClient.shutdown();
  }
  if (pool) {
    const pg = createPostgresRecordsRepository(pool);
    for (const id of usedBatchIds) {
      await pg.deleteBatch(id).catch(() => undefined);
    }
    await pool.end();
  }
});

function record(rowNumber: number, overrides: Partial<ContactRecord> = {}): ContactRecord {
  const variant = rowNumber % 4;
  return {
    rowNumber,
    fullName: variant === 3 ? null : `Zoë Ünïcødé ${rowNumber} 山田太郎 🚀`,
    firstName: `Zoë${rowNumber}`,
    lastName: variant === 1 ? '' : 'Ünïcødé',
    email: `zoe.${rowNumber}@exämple.com`,
    phone: variant === 2 ? null : `+1555000${String(rowNumber).padStart(4, '0')}`,
    company: variant === 0 ? null : 'Ação & Co. "quoted" \\ back',
    title: 'Директор',
    street: '1 Rue de l’Église',
    city: 'Zürich',
    region: null,
    postalCode: '8001',
    country: 'CH',
    original: Object.fromEntries([
      ['E-mail Address', `zoe.${rowNumber}@exämple.com`],
      ['名前', '山田'],
      ['', 'empty header'],
      ['__proto__', 'not a prototype'],
      ['Notes', 'line1\nline2, "quoted"'],
    ]),
    issues: variant === 2 ? ['phone missing', 'name: emoji 🚀'] : [],
    ...overrides,
  };
}

function invalidRow(rowNumber: number): InvalidRow {
  return {
    rowNumber,
    reason: `row ${rowNumber}: unterminated quote «ß»`,
    original: Object.fromEntries([
      ['raw', `"broken ${rowNumber}`],
      ['Ω', 'ω'],
    ]),
  };
}

async function listAll(repo: RecordsRepository, batchId: string, limit: number) {
  const pages: { records: StoredRecord[]; nextCursor: string | null }[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1_000; i++) {
    const page = await repo.listRecords(batchId, { limit, cursor });
    pages.push(page);
    if (page.nextCursor === null) {
      break;
    }
    cursor = page.nextCursor;
  }
  return { pages, records: pages.flatMap((p) => p.records) };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) {
    out.push(item);
  }
  return out;
}

describe.each(['postgres', 'cassandra'])('records store: %s', (name) => {
  const repo = (): RecordsRepository => {
    const r = stores.get(name);
    if (!r) {
      throw new Error(`store ${name} was not created`);
    }
    return r;
  };

  it('answers ping', async () => {
    await expect(repo().ping()).resolves.toBeUndefined();
  });

  it('round-trips every field, unicode included', async () => {
    const batchId = newBatchId();
    const input = [5, 1, 3, 2, 4, 6, 7, 8].map((n) => record(n));
    await repo().writeRecords(batchId, input);
    const page = await repo().listRecords(batchId, { limit: 100 });
    expect(page.nextCursor).toBeNull();
    expect(page.records).toEqual([...input].sort((a, b) => a.rowNumber - b.rowNumber));
    expect(page.records[0]!.issues).toEqual([]);
    expect(Object.prototype.hasOwnProperty.call(page.records[0]!.original, '__proto__')).toBe(true);
    await expect(countRecords(repo(), batchId)).resolves.toEqual({ records: 8, invalidRows: 0 });
  });

  it('pages with cursors across bucket boundaries and gaps', async () => {
    const batchId = newBatchId();
    // Buckets of 7: rows 0..20 span buckets 0-2, then an empty stretch, then buckets 8-9.
    const rowNumbers = [...Array.from({ length: 21 }, (_, i) => i), 60, 61, 62, 69, 70];
    const input = rowNumbers.map((n) => record(n));
    await repo().writeRecords(batchId, input);
    for (const limit of [1, 3, 7, 10, 26, 100]) {
      const { pages, records } = await listAll(repo(), batchId, limit);
      expect(records.map((r) => r.rowNumber)).toEqual(rowNumbers);
      expect(pages).toHaveLength(Math.ceil(rowNumbers.length / limit));
      expect(pages.at(-1)!.nextCursor).toBeNull();
      expect(pages.slice(0, -1).every((p) => p.records.length === limit)).toBe(true);
    }
    const first = await repo().listRecords(batchId, { limit: 7 });
    expect(first.nextCursor).toBe(encodeCursor(6));
    const second = await repo().listRecords(batchId, { limit: 2, cursor: first.nextCursor! });
    expect(second.records.map((r) => r.rowNumber)).toEqual([7, 8]);
    // A cursor past the end is an empty last page.
    await expect(repo().listRecords(batchId, { limit: 5, cursor: encodeCursor(70) })).resolves.toEqual({
      records: [],
      nextCursor: null,
    });
  });

  it('rejects malformed cursors and limits with ValidationError', async () => {
    const batchId = newBatchId();
    await repo().writeRecords(batchId, [record(1)]);
    const bad = [
      'garbage!',
      '',
      'not-a-cursor',
      Buffer.from('r:-1').toString('base64url'),
      Buffer.from('r:01').toString('base64url'),
      Buffer.from('r:1.5').toString('base64url'),
      Buffer.from('r:99999999999').toString('base64url'),
      Buffer.from('x:1').toString('base64url'),
      Buffer.from('r:10').toString('base64'), // padded base64 is not the canonical form
      `${encodeCursor(1)}A`,
      'A'.repeat(500),
    ];
    for (const cursor of bad) {
      await expect(repo().listRecords(batchId, { limit: 10, cursor }), cursor).rejects.toBeInstanceOf(
        ValidationError,
      );
    }
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      await expect(repo().listRecords(batchId, { limit })).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(repo().listRecords('not-a-uuid', { limit: 1 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('is idempotent: the same rows twice leave one copy; a rewrite replaces the row', async () => {
    const batchId = newBatchId();
    const input = Array.from({ length: 25 }, (_, i) => record(i + 1));
    await repo().writeRecords(batchId, input);
    await repo().writeRecords(batchId, input);
    await repo().writeInvalidRows(batchId, [invalidRow(30), invalidRow(31)]);
    await repo().writeInvalidRows(batchId, [invalidRow(30), invalidRow(31)]);
    await expect(countRecords(repo(), batchId)).resolves.toEqual({ records: 25, invalidRows: 2 });

    // Values become null / empty and null becomes a value: the rewrite wins field by field.
    const changed = [
      record(3, { email: 'changed@example.com', company: null, fullName: 'Now set', issues: ['x'] }),
      record(2, { issues: [], phone: '+15550009999', city: '', title: null }),
    ];
    expect(input[2]!.company).not.toBeNull();
    expect(input[1]!.issues).not.toEqual([]);
    await repo().writeRecords(batchId, changed);
    const { records } = await listAll(repo(), batchId, 10);
    expect(records).toHaveLength(25);
    expect(records.find((r) => r.rowNumber === 3)).toEqual(changed[0]);
    expect(records.find((r) => r.rowNumber === 2)).toEqual(changed[1]);

    // Within one call, the last occurrence of a row number wins.
    await repo().writeRecords(batchId, [
      record(4, { email: 'first@x.io' }),
      record(4, { email: 'last@x.io' }),
    ]);
    const page = await repo().listRecords(batchId, { limit: 1, cursor: encodeCursor(3) });
    expect(page.records[0]!.email).toBe('last@x.io');
    await expect(countRecords(repo(), batchId)).resolves.toEqual({ records: 25, invalidRows: 2 });
  });

  it('streams invalid rows in row order across pages and buckets', async () => {
    const batchId = newBatchId();
    const rows = [23, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 15, 22, 100].map(invalidRow);
    await repo().writeInvalidRows(batchId, rows);
    await repo().writeRecords(batchId, [record(10)]);
    const streamed = await collect(repo().streamInvalidRows(batchId));
    expect(streamed).toEqual([...rows].sort((a, b) => a.rowNumber - b.rowNumber));
    await expect(countRecords(repo(), batchId)).resolves.toEqual({ records: 1, invalidRows: 14 });
    await expect(collect(repo().streamInvalidRows(newBatchId()))).resolves.toEqual([]);
  });

  it('pages invalid rows across buckets, finds them by row number, and a fix replaces them by records', async () => {
    const batchId = newBatchId();
    const numbers = [23, 1, 2, 9, 14, 15, 22, 100];
    await repo().writeInvalidRows(batchId, numbers.map(invalidRow));
    const seen: number[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await repo().listInvalidRows(batchId, { limit: 3, cursor });
      expect(page.rows.length).toBeLessThanOrEqual(3);
      seen.push(...page.rows.map((r) => r.rowNumber));
      if (page.nextCursor === null) {
        break;
      }
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...numbers].sort((a, b) => a - b));
    const found = await repo().findInvalidRows(batchId, [100, 2, 3, 22]);
    expect(found.sort((a, b) => a.rowNumber - b.rowNumber)).toEqual([2, 22, 100].map(invalidRow));

    // Rows in two buckets fixed at once: they are records now, and no longer invalid rows.
    await repo().replaceInvalidRows(batchId, [record(2), record(22), record(100)]);
    expect((await listAll(repo(), batchId, 10)).records.map((r) => r.rowNumber)).toEqual([2, 22, 100]);
    expect((await collect(repo().streamInvalidRows(batchId))).map((r) => r.rowNumber)).toEqual([
      1, 9, 14, 15, 23,
    ]);
    expect(await repo().findInvalidRows(batchId, [2, 22, 100])).toEqual([]);
  });

  it('deleteBatch removes everything and is idempotent', async () => {
    const batchId = newBatchId();
    const keep = newBatchId();
    await repo().writeRecords(
      batchId,
      Array.from({ length: 30 }, (_, i) => record(i + 1)),
    );
    await repo().writeInvalidRows(batchId, [invalidRow(40), invalidRow(41)]);
    await repo().writeRecords(keep, [record(1)]);
    await repo().deleteBatch(batchId);
    await expect(countRecords(repo(), batchId)).resolves.toEqual({ records: 0, invalidRows: 0 });
    await expect(repo().listRecords(batchId, { limit: 50 })).resolves.toEqual({
      records: [],
      nextCursor: null,
    });
    await expect(collect(repo().streamInvalidRows(batchId))).resolves.toEqual([]);
    await repo().deleteBatch(batchId);
    await repo().deleteBatch(newBatchId());
    await expect(countRecords(repo(), keep)).resolves.toEqual({ records: 1, invalidRows: 0 });
    // Writing again after a delete works (the bucket index is rebuilt).
    await repo().writeRecords(batchId, [record(2)]);
    await expect(countRecords(repo(), batchId)).resolves.toEqual({ records: 1, invalidRows: 0 });
  });

  it('keeps batches apart', async () => {
    const a = newBatchId();
    const b = newBatchId();
    await repo().writeRecords(
      a,
      [1, 2, 3].map((n) => record(n, { company: 'A' })),
    );
    await repo().writeRecords(
      b,
      [2, 3, 4, 5].map((n) => record(n, { company: 'B' })),
    );
    await repo().writeInvalidRows(b, [invalidRow(9)]);
    const listA = await listAll(repo(), a, 2);
    const listB = await listAll(repo(), b, 2);
    expect(listA.records.map((r) => [r.rowNumber, r.company])).toEqual([
      [1, 'A'],
      [2, 'A'],
      [3, 'A'],
    ]);
    expect(listB.records.map((r) => r.company)).toEqual(['B', 'B', 'B', 'B']);
    await expect(countRecords(repo(), a)).resolves.toEqual({ records: 3, invalidRows: 0 });
    await expect(collect(repo().streamInvalidRows(a))).resolves.toEqual([]);
    await repo().deleteBatch(a);
    await expect(countRecords(repo(), b)).resolves.toEqual({ records: 4, invalidRows: 1 });
  });

  it('writes an empty list as a no-op', async () => {
    const batchId = newBatchId();
    await repo().writeRecords(batchId, []);
    await repo().writeInvalidRows(batchId, []);
    await expect(countRecords(repo(), batchId)).resolves.toEqual({ records: 0, invalidRows: 0 });
  });
});

describe('both stores', () => {
  it('return identical records, cursors, invalid rows and counts for the same input', async () => {
    const batchId = newBatchId();
    const input = Array.from({ length: 40 }, (_, i) =>
      record(i + 1, {
        // U+0000 cannot be stored by PostgreSQL; both stores must agree on what comes back.
        title: i === 5 ? 'nul\u0000inside' : i === 6 ? '' : 'Директор',
        original: Object.fromEntries([
          ['z-last', 'z'],
          ['a-first', `a${i}`],
          ['nul\u0000key', 'v\u0000'],
        ]),
        issues: i % 5 === 0 ? ['a', '', 'ü'] : [],
      }),
    );
    const invalid = [3, 50, 51, 99].map(invalidRow);
    const results = [];
    for (const name of ['postgres', 'cassandra']) {
      const repo = stores.get(name)!;
      await repo.writeRecords(batchId, input);
      await repo.writeInvalidRows(batchId, invalid);
      results.push({
        paged: await listAll(repo, batchId, 9),
        invalid: await collect(repo.streamInvalidRows(batchId)),
        counts: await countRecords(repo, batchId),
      });
    }
    const [pg, ...others] = results;
    expect(pg!.paged.records).toHaveLength(40);
    expect(pg!.paged.records[5]!.title).toBe('nul\uFFFDinside');
    expect(pg!.paged.records[6]!.title).toBe('');
    for (const other of others) {
      expect(other.paged.records).toEqual(pg!.paged.records);
      expect(other.paged.pages.map((p) => p.nextCursor)).toEqual(pg!.paged.pages.map((p) => p.nextCursor));
      expect(other.invalid).toEqual(pg!.invalid);
      expect(other.counts).toEqual(pg!.counts);
    }
  });
});

describe('unreachable stores', () => {
  it('raise DependencyUnavailableError (PostgreSQL)', async () => {
    const deadPool = createPgPool({
      connectionString: 'postgres://nobody:nothing@127.0.0.1:1/none',
      maxConnections: 1,
      connectTimeoutMs: 1_000,
      statementTimeoutMs: 1_000,
    });
    try {
      const repo = createPostgresRecordsRepository(deadPool);
      await expect(repo.ping()).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(repo.writeRecords(newBatchId(), [record(1)])).rejects.toBeInstanceOf(
        DependencyUnavailableError,
      );
    } finally {
      await deadPool.end();
    }
  });

  it('raise DependencyUnavailableError (Cassandra)', async () => {
    const dead = createCassandraClient({
      contactPoints: ['127.0.0.1:1'],
      localDataCenter: 'datacenter1',
      connectTimeoutMs: 1_000,
    });
    const repo = createCassandraRecordsRepository(dead, { keyspace });
    try {
      await expect(repo.ping()).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(repo.listRecords(newBatchId(), { limit: 1 })).rejects.toBeInstanceOf(
        DependencyUnavailableError,
      );
    } finally {
      await repo.close();
    }
  });
});

describe('cassandra layout', () => {
  it('stores null fields and empty issues without tombstone cells (traced read)', async () => {
    const batchId = newBatchId();
    const blank = (n: number): ContactRecord => ({
      ...record(n),
      fullName: null,
      lastName: null,
      phone: null,
      company: null,
      title: null,
      street: null,
      city: null,
      region: null,
      postalCode: null,
      country: null,
      issues: [],
    });
    const repo = stores.get('cassandra')!;
    await repo.writeRecords(
      batchId,
      Array.from({ length: BUCKET_SIZE - 1 }, (_, i) => blank(i + 1)),
    );
    const result = await cassandraClient.execute(
      `SELECT * FROM ${keyspace}.batch_records WHERE batch_id = ? AND bucket = 0`,
      [batchId],
      { prepare: true, traceQuery: true },
    );
    expect(result.rowLength).toBe(BUCKET_SIZE - 1);
    // Trace events are written asynchronously; poll briefly for the read summary.
    let summary: string | undefined;
    for (let i = 0; i < 20 && !summary; i++) {
      const trace = await cassandraClient.metadata.getTrace(result.info.traceId);
      summary = trace.events
        .map((e) => String(e.activity))
        .find((a) => /Read \d+ live rows and \d+ tombstone cells/.test(a));
      if (!summary) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(summary).toBe(`Read ${BUCKET_SIZE - 1} live rows and 0 tombstone cells`);
    const page = await repo.listRecords(batchId, { limit: 3 });
    expect(page.records[0]).toEqual(blank(1));
  });
});
