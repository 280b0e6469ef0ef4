import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import {
  CONTACT_FIELDS,
  FIELD_LIST,
  TEXT_FIELDS,
  type ContactRecord,
} from '../../../src/contacts/contactSchema.js';
import { RECORD_TABLE_COLUMNS, recordsSchemaStatements } from '../../../src/db/cassandraSchema.js';
import { errorsCsvLines, recordCsvLine, recordsCsvHeadings } from '../../../src/parsing/csvOutput.js';
import { matchHeader } from '../../../src/parsing/headerSynonyms.js';
import {
  RECORD_COLUMNS as CASSANDRA_COLUMNS,
  recordParams,
  toRecord,
} from '../../../src/repositories/records/cassandraRecordRow.js';
import {
  RECORD_COLUMNS as POSTGRES_COLUMNS,
  UPSERT_RECORDS,
  recordColumnArrays,
  toRecord as fromPostgresRow,
} from '../../../src/repositories/records/postgresRecordSql.js';
import type { InvalidRow } from '../../../src/parsing/types.js';
import { normalizeRecord } from '../../../src/repositories/records/recordRow.js';

const sample: ContactRecord = {
  rowNumber: 7,
  fullName: 'Ada Lovelace',
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada@example.com',
  phone: null,
  company: '=cmd',
  title: null,
  street: '1 Main St',
  city: 'London',
  region: null,
  postalCode: 'N1',
  country: 'GB',
  original: { Name: 'Ada Lovelace', 'E-mail': 'ada@example.com' },
  issues: ['phone missing', 'x'],
};

function toAsync<T>(items: T[]): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => {
      let i = 0;
      return {
        next: () =>
          Promise.resolve(
            i < items.length ? { done: false, value: items[i++]! } : { done: true, value: undefined },
          ),
      };
    },
  };
}

async function collect(lines: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const line of lines) {
    out += line;
  }
  return out;
}

describe('contact schema', () => {
  it('gives every field distinct store columns and CSV headings', () => {
    for (const key of ['postgres', 'cassandra', 'csvHeading'] as const) {
      const values = FIELD_LIST.map((f) => f.spec[key]);
      expect(new Set(values).size, key).toBe(values.length);
    }
    expect(Object.keys(sample)).toEqual(Object.keys(CONTACT_FIELDS));
  });

  it('gives each field that may be empty its own stable Cassandra null bit', () => {
    const bits = FIELD_LIST.filter((f) => f.spec.nullBit !== undefined).map((f) => f.spec.nullBit!);
    expect(new Set(bits).size).toBe(bits.length);
    expect(bits.every((b) => Number.isInteger(b) && b >= 0 && b < 31)).toBe(true);
    for (const { name, spec } of FIELD_LIST) {
      const mayBeEmpty = spec.kind === 'text' || spec.kind === 'issues';
      expect(spec.nullBit !== undefined, name).toBe(mayBeEmpty);
    }
    // Stored data layout: these bits are on disk in existing Cassandra rows.
    expect(CONTACT_FIELDS.fullName.nullBit).toBe(0);
    expect(CONTACT_FIELDS.country.nullBit).toBe(11);
    expect(CONTACT_FIELDS.issues.nullBit).toBe(12);
  });

  it('uses CSV headings the upload parser maps back to the same field', () => {
    for (const field of TEXT_FIELDS) {
      expect(matchHeader(CONTACT_FIELDS[field].csvHeading)?.field, field).toBe(field);
    }
  });

  it('derives every store column, statement and mapping from the field list', () => {
    const postgres = FIELD_LIST.map((f) => f.spec.postgres);
    expect(POSTGRES_COLUMNS).toEqual(postgres);
    for (const column of postgres) {
      expect(UPSERT_RECORDS).toContain(column);
    }
    expect(UPSERT_RECORDS.match(/\$\d+::/g)).toHaveLength(FIELD_LIST.length + 1);
    expect(recordColumnArrays([sample])).toHaveLength(FIELD_LIST.length);
    const row = Object.fromEntries(FIELD_LIST.map(({ name, spec }) => [spec.postgres, sample[name]]));
    expect(fromPostgresRow(row)).toEqual(sample);

    expect(CASSANDRA_COLUMNS).toEqual([...FIELD_LIST.map((f) => f.spec.cassandra), 'null_mask']);
    const ddl = recordsSchemaStatements('ks', 1).join('\n');
    for (const [column, type] of RECORD_TABLE_COLUMNS) {
      expect(ddl).toContain(`${column} ${type},`);
    }
  });

  it('round-trips a record through the Cassandra row mapping, empty values included', () => {
    const params = recordParams(cassandra.types.Uuid.random())(sample, 0);
    const cells = Object.fromEntries(CASSANDRA_COLUMNS.map((c, i) => [c, params[i + 2]]));
    const asRead = Object.fromEntries(
      Object.entries(cells).map(([k, v]) => [k, v === cassandra.types.unset ? null : v]),
    );
    expect(toRecord(asRead as unknown as cassandra.types.Row)).toEqual(sample);
    const empty = { ...sample, issues: [], fullName: null };
    const emptyParams = recordParams(cassandra.types.Uuid.random())(empty, 0);
    const mask = emptyParams.at(-1) as number;
    // fullName (bit 0), phone (4), title (6), region (9) and issues (12) are empty.
    expect(mask).toBe((1 << 0) | (1 << 4) | (1 << 6) | (1 << 9) | (1 << 12));
    expect(emptyParams.filter((p) => p === cassandra.types.unset)).toHaveLength(5);
  });

  it('normalises every text field of the schema the same way', () => {
    const withNul = { ...sample, city: 'Lon\u0000don', country: 'G\u0000B' };
    expect(normalizeRecord(withNul)).toMatchObject({ city: 'Lon\uFFFDdon', country: 'G\uFFFDB' });
  });
});

describe('CSV output from the schema', () => {
  it('writes records CSV with one heading per field and neutralised formulas', () => {
    expect(recordsCsvHeadings()).toEqual(FIELD_LIST.map((f) => f.spec.csvHeading));
    expect(recordCsvLine(sample)).toBe(
      '7,Ada Lovelace,Ada,Lovelace,ada@example.com,,"\'=cmd",,1 Main St,London,,N1,GB,' +
        '"{""Name"":""Ada Lovelace"",""E-mail"":""ada@example.com""}","phone missing; x"\r\n',
    );
  });

  it("writes errors.csv with the row heading, the first row's columns and the extras", async () => {
    const rows: InvalidRow[] = [
      { rowNumber: 2, reason: 'no name', original: { a: '1', b: '=2' } },
      { rowNumber: 5, reason: 'bad', original: { a: '3', c: 'x' } },
    ];
    expect(await collect(errorsCsvLines(toAsync(rows)))).toBe(
      '\uFEFFrow,reason,a,b,other columns\r\n2,no name,1,"\'=2",\r\n5,bad,3,,"{""c"":""x""}"\r\n',
    );
    expect(await collect(errorsCsvLines(toAsync([])))).toBe('\uFEFFrow,reason\r\n');
  });
});
