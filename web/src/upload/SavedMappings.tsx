import { useState } from 'preact/hooks';
import { client, failure, ok } from '../api.js';
import { Empty, Loaded } from '../components/States.js';
import { useLoad } from '../useLoad.js';

/**
 * The user's remembered mappings (issue #21): a later file with the same columns is read with
 * one of them. Listed with a button to forget each; `version` reloads the list after an upload.
 */
export function SavedMappings({ token, version }: { token: string; version: number }) {
  const [load, reload] = useLoad(
    () => ok(client(token).GET('/api/mappings', { params: { query: { limit: 100 } } })),
    `${token}:${version}`,
  );
  const [problem, setProblem] = useState<string | null>(null);
  const forget = async (id: string) => {
    setProblem(null);
    const { response } = await client(token).DELETE('/api/mappings/{id}', { params: { path: { id } } });
    if (!response.ok) {
      setProblem((await failure(response)).message);
    }
    reload();
  };
  return (
    <section aria-labelledby="saved-mappings-title">
      <h2 id="saved-mappings-title">Remembered mappings</h2>
      {problem !== null && <p role="alert">{problem}</p>}
      <Loaded
        load={load}
        what="remembered mappings"
        retry={reload}
        ready={(page) =>
          page.mappings.length === 0 ? (
            <Empty>No mapping remembered yet: upload a file with a mapping to remember it.</Empty>
          ) : (
            <ul data-testid="saved-mappings">
              {page.mappings.map((m) => (
                <li key={m.id}>
                  {Object.entries(m.mapping)
                    .map(([header, field]) => `${header} → ${field ?? '(not used)'}`)
                    .join(', ')}{' '}
                  <button type="button" onClick={() => void forget(m.id)}>
                    Forget
                  </button>
                </li>
              ))}
            </ul>
          )
        }
      />
    </section>
  );
}
