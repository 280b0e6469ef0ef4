import { useEffect, useRef, useState } from 'preact/hooks';
import { client, ok } from '../api.js';

/** Quiet time after typing before the row is checked with a dry run. */
const CHECK_AFTER_MS = 400;

export type Field = 'fullName' | 'email' | 'phone';
export type Edit = Partial<Record<Field, string>>;
export interface Check {
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
 * The edits of a batch's invalid rows: `edit` records a change and checks the row with a dry run
 * once typing pauses; `save` stores every edited row, keeps the refused ones for another try and
 * calls `reload`.
 */
export function useInvalidRowFixes(token: string, id: string, reload: () => void) {
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

  return { edits, checks, message, saving, edit, save };
}
