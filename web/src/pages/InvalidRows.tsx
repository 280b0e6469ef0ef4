import { authHeader, failure } from '../api.js';
import { parseCsv } from '../csv.js';
import { Empty, Loaded } from '../components/States.js';
import { useLoad } from '../useLoad.js';

// The page shows the first rows only; the whole list is the errors CSV download.
const SHOWN_ROWS = 50;
const MAX_BYTES = 256 * 1024;

/** Reads the start of the errors CSV: never more than MAX_BYTES, however long the file is. */
async function firstRows(token: string, id: string): Promise<string[][]> {
  const response = await fetch(`/api/batches/${id}/errors.csv`, { headers: authHeader(token) });
  if (!response.ok || !response.body) {
    throw await failure(response);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  while (text.length < MAX_BYTES) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    text += value;
  }
  await reader.cancel();
  return parseCsv(text, SHOWN_ROWS + 1);
}

export function InvalidRows({
  token,
  id,
  count,
  version,
}: {
  token: string;
  id: string;
  count: number;
  version: string;
}) {
  const [load, reload] = useLoad(() => firstRows(token, id), `${id} ${version}`);
  return (
    <section aria-labelledby="invalid-title">
      <h2 id="invalid-title">Invalid rows ({count})</h2>
      <Loaded
        load={load}
        what="invalid rows"
        retry={reload}
        ready={([, ...rows]) =>
          rows.length === 0 ? (
            <Empty>Every row became a record.</Empty>
          ) : (
            <>
              <div class="scroll" tabIndex={0} role="region" aria-label="Invalid rows">
                <table data-testid="invalid-rows">
                  <thead>
                    <tr>
                      <th scope="col">Row</th>
                      <th scope="col">Reason</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map(([row, reason]) => (
                      <tr key={row}>
                        <td>{row}</td>
                        <td>{reason}</td>
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
            </>
          )
        }
      />
    </section>
  );
}
