import { useEffect, useRef, useState } from 'preact/hooks';
import { client, ok } from '../api.js';
import { Empty, Loaded } from '../components/States.js';
import { useLoad } from '../useLoad.js';

// The page shows the first rows only; the whole list is the errors CSV download (and the CLI's
// `batchport errors` / `batchport fix` for many rows).
const SHOWN_ROWS = 50;
/** Quiet time after typing before the row is checked with a dry run. */
const CHECK_AFTER_MS = 400;

type Field = 'fullName' | 'email' | 'phone';
const FIELDS: [Field, string][] = [
  ['fullName', 'Name'],
  ['email', 'Email'],
  ['phone', 'Phone'],
];
type Edit = Partial<Record<Field, string>>;
interface Check {
  status: 'fixed' | 'valid' | 'invalid';
  reasons: string[];
}

async function sendFixes(token: string, id: string, edits: Record<number, Edit>, dryRun: boolean) {
  const rows = Object.entries(edits).map(([row, record]) => ({ row: Number(row), record }));
  return ok(
    client(token).POST('/api/batches/{id}/fixes', {
      params: { path: { id }, query: { dryRun } },
      body: { rows },
    }),
  );
}

/**
 * The invalid rows, editable while the batch is loaded: each edited row is checked with a dry run
 * as the person types (the same rules as the upload), and "Save fixes" stores the edited rows.
 * The counts and both tables follow from the batch's live event (`version` changes).
 */
export function InvalidRows({
  token,
  id,
  count,
  version,
  editable,
}: {
  token: string;
  id: string;
  count: number;
  version: string;
  editable: boolean;
}) {
  const [load, reload] = useLoad(
    () =>
      ok(
        client(token).GET('/api/batches/{id}/invalid-rows', {
          params: { path: { id }, query: { limit: SHOWN_ROWS } },
        }),
      ),
    `${id} ${version}`,
  );
  const [edits, setEdits] = useState<Record<number, Edit>>({});
  const [checks, setChecks] = useState<Record<number, Check>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());
  useEffect(() => () => timers.current.forEach(clearTimeout), []);

  function edit(row: number, field: Field, value: string) {
    const next = { ...edits[row], [field]: value };
    setEdits((all) => ({ ...all, [row]: next }));
    clearTimeout(timers.current.get(row));
    timers.current.set(
      row,
      setTimeout(() => {
        sendFixes(token, id, { [row]: next }, true).then(
          (answer) => answer.rows[0] && setChecks((all) => ({ ...all, [row]: answer.rows[0]! })),
          (error: unknown) => setMessage(error instanceof Error ? error.message : String(error)),
        );
      }, CHECK_AFTER_MS),
    );
  }

  async function save() {
    setSaving(true);
    try {
      const answer = await sendFixes(token, id, edits, false);
      const refused = Object.fromEntries(
        answer.rows.filter((r) => r.status === 'invalid').map((r) => [r.row, r]),
      );
      setChecks(refused);
      setEdits((all) => Object.fromEntries(Object.entries(all).filter(([row]) => refused[Number(row)])));
      setMessage(`Fixed ${answer.fixed} row(s)${answer.rejected > 0 ? `; ${answer.rejected} refused` : ''}.`);
      reload();
    } catch (error) {
      setMessage(error instanceof Error ? error.message : String(error));
    } finally {
      setSaving(false);
    }
  }

  return (
    <section aria-labelledby="invalid-title">
      <h2 id="invalid-title">Invalid rows ({count})</h2>
      <Loaded
        load={load}
        what="invalid rows"
        retry={reload}
        ready={({ rows }) =>
          rows.length === 0 ? (
            <Empty>Every row became a record.</Empty>
          ) : (
            <>
              <div class="scroll" tabIndex={0} role="region" aria-label="Invalid rows">
                <table data-testid="invalid-rows">
                  <thead>
                    <tr>
                      <th scope="col">Row</th>
                      {FIELDS.map(([field, label]) => (
                        <th key={field} scope="col">
                          {label}
                        </th>
                      ))}
                      <th scope="col">Reason</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((r) => (
                      <tr key={r.row} data-row={r.row}>
                        <td>{r.row}</td>
                        {FIELDS.map(([field, label]) => (
                          <td key={field}>
                            {editable ? (
                              <input
                                aria-label={`Row ${r.row} ${label}`}
                                value={edits[r.row]?.[field] ?? r.record[field] ?? ''}
                                onInput={(e) => edit(r.row, field, e.currentTarget.value)}
                              />
                            ) : (
                              (r.record[field] ?? '')
                            )}
                          </td>
                        ))}
                        <td data-testid="reason">
                          {checks[r.row]
                            ? checks[r.row]!.status === 'invalid'
                              ? checks[r.row]!.reasons.join('; ')
                              : 'OK'
                            : r.reason}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {count > rows.length && (
                <p class="hint">
                  The first {rows.length} of {count}; the errors CSV has them all.
                </p>
              )}
              {editable && (
                <p>
                  <button
                    type="button"
                    disabled={saving || Object.keys(edits).length === 0}
                    onClick={() => void save()}
                  >
                    Save fixes
                  </button>
                </p>
              )}
              {message && (
                <p role="status" data-testid="fix-message">
                  {message}
                </p>
              )}
            </>
          )
        }
      />
    </section>
  );
}
