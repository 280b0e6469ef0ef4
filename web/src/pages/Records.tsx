import { useState } from 'preact/hooks';
import { FIELD_LIST } from '../../../src/contacts/contactSchema.js';
import { client, ok, type ContactRecord } from '../api.js';
import { Empty, Loaded } from '../components/States.js';
import { useLoad } from '../useLoad.js';

const PAGE_SIZE = 25;
/** The record's row number, then every text field of the contact schema under its CSV heading. */
const COLUMNS: [keyof ContactRecord, string][] = [
  ['rowNumber', 'Row'],
  ...FIELD_LIST.filter((f) => f.spec.kind === 'text').map((f): [keyof ContactRecord, string] => [
    f.name as keyof ContactRecord,
    f.spec.csvHeading,
  ]),
];

function cell(value: ContactRecord[keyof ContactRecord]): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

function RecordsTable({ records }: { records: ContactRecord[] }) {
  return (
    <div class="scroll" tabIndex={0} role="region" aria-label="Records">
      <table data-testid="records">
        <thead>
          <tr>
            {COLUMNS.map(([key, label]) => (
              <th key={key} scope="col">
                {label}
              </th>
            ))}
            <th scope="col">Issues</th>
          </tr>
        </thead>
        <tbody>
          {records.map((record) => (
            <tr key={record.rowNumber}>
              {COLUMNS.map(([key]) => (
                <td key={key} data-field={key}>
                  {cell(record[key])}
                </td>
              ))}
              <td>{record.issues.join('; ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The records, a page at a time; `nextCursor` leads forward, a stack of cursors leads back. */
export function Records({ token, id, version }: { token: string; id: string; version: string }) {
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const [load, reload] = useLoad(
    () =>
      ok(
        client(token).GET('/api/batches/{id}/records', {
          params: { path: { id }, query: { limit: PAGE_SIZE, ...(cursor !== undefined && { cursor }) } },
        }),
      ),
    `${id} ${version} ${cursor ?? ''}`,
  );
  return (
    <section aria-labelledby="records-title">
      <h2 id="records-title">Records</h2>
      <Loaded
        load={load}
        what="records"
        retry={reload}
        ready={(page) => (
          <>
            {page.records.length === 0 ? (
              <Empty>No records yet.</Empty>
            ) : (
              <RecordsTable records={page.records} />
            )}
            <nav class="pager" aria-label="Pages of records">
              <button
                type="button"
                disabled={cursors.length === 0}
                onClick={() => setCursors(cursors.slice(0, -1))}
              >
                Previous records
              </button>
              <span>Page {cursors.length + 1}</span>
              <button
                type="button"
                disabled={page.nextCursor === null}
                onClick={() => page.nextCursor !== null && setCursors([...cursors, page.nextCursor])}
              >
                Next records
              </button>
            </nav>
          </>
        )}
      />
    </section>
  );
}
