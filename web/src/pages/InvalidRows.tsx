import { client, ok } from '../api.js';
import { Empty, Loaded } from '../components/States.js';
import { useLoad } from '../useLoad.js';
import { InvalidRowsTable } from './InvalidRowsTable.js';
import { useInvalidRowFixes } from './useInvalidRowFixes.js';

// The page shows the first rows only; the whole list is the errors CSV download (and the CLI's
// `batchport errors` / `batchport fix` for many rows).
const SHOWN_ROWS = 50;

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
  const { edits, checks, message, saving, edit, save } = useInvalidRowFixes(token, id, reload);

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
              <InvalidRowsTable rows={rows} editable={editable} edits={edits} checks={checks} onEdit={edit} />
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
