import { useEffect, useState } from 'preact/hooks';
import type { paths } from '../../../src/client/index.js';
import { client, ok, type Batch } from '../api.js';
import { PreviewPanel } from '../upload/PreviewPanel.js';
import type { Mapping, Preview } from '../upload/preview.js';
import { REGIONS, regionName } from '../upload/regions.js';

/** What the re-read is asked for: absent options are the batch's own (as /reprocess reads them). */
interface Choices {
  mapping?: Mapping | null;
  phoneRegion?: string;
}

/**
 * The body of both /preview and /reprocess. The page's mapping names fields as text (taken from
 * the preview's `fields`); the API checks them (400 with a message), so they are sent as they are.
 */
type RereadBody = NonNullable<
  paths['/api/batches/{id}/reprocess']['post']['requestBody']
>['content']['application/json'];
const asBody = (choices: Choices) => choices as RereadBody;

type PreviewLoad =
  { state: 'loading' } | { state: 'ready'; preview: Preview } | { state: 'failed'; message: string };

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The stored file previewed with `choices` (POST /api/batches/{id}/preview), again when they change. */
function useStoredPreview(token: string, id: string, choices: Choices): PreviewLoad {
  const [load, setLoad] = useState<PreviewLoad>({ state: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    setLoad({ state: 'loading' });
    ok(
      client(token).POST('/api/batches/{id}/preview', {
        params: { path: { id } },
        body: asBody(choices),
        signal: controller.signal,
      }),
    ).then(
      (preview) => setLoad({ state: 'ready', preview }),
      (e: unknown) => {
        if (!controller.signal.aborted) {
          setLoad({ state: 'failed', message: messageOf(e) });
        }
      },
    );
    // A newer choice (or closing) drops the answer still on its way; the server stops its parse.
    return () => controller.abort();
  }, [token, id, JSON.stringify(choices)]);
  return load;
}

function RereadPanel({
  token,
  batch,
  onClose,
  onStarted,
}: {
  token: string;
  batch: Batch;
  onClose: () => void;
  onStarted: (answer: string) => void;
}) {
  const [choices, setChoices] = useState<Choices>({});
  const [error, setError] = useState<string | null>(null);
  const load = useStoredPreview(token, batch.id, choices);
  // A refused choice (a field from two columns: 400) keeps the last preview on screen to change it.
  const [shown, setShown] = useState<Preview | null>(null);
  useEffect(() => {
    if (load.state === 'ready') {
      setShown(load.preview);
    }
  }, [load]);
  const confirm = (preview: Preview) => {
    setError(null);
    // What the preview shows is what the re-read is asked for.
    const body = asBody({ mapping: preview.mapping, phoneRegion: preview.phoneRegion });
    ok(client(token).POST('/api/batches/{id}/reprocess', { params: { path: { id: batch.id } }, body })).then(
      (answer) =>
        onStarted(
          answer.droppedFixes > 0
            ? `${answer.message}. ${answer.droppedFixes} fixes of the current reading will be dropped.`
            : `${answer.message}.`,
        ),
      (e: unknown) => setError(messageOf(e)),
    );
  };
  return (
    <section aria-labelledby="reread-title" data-testid="reread">
      <h2 id="reread-title">Re-read with another mapping</h2>
      <p class="hint">
        The stored file is read again; the current records stay until the new reading has ended.
      </p>
      {load.state === 'loading' && <p aria-live="polite">Reading the stored file…</p>}
      {load.state === 'failed' && (
        <p role="alert" class="error">
          {load.message}
        </p>
      )}
      {shown && (
        <>
          <div class="toolbar">
            <label for="reread-region">Phone region for numbers without a country code</label>
            <select
              id="reread-region"
              value={shown.phoneRegion}
              onChange={(e) => setChoices({ ...choices, phoneRegion: e.currentTarget.value })}
            >
              {REGIONS.map((code) => (
                <option key={code} value={code}>
                  {regionName(code)} ({code})
                </option>
              ))}
            </select>
          </div>
          <PreviewPanel
            fileName={batch.fileName}
            preview={shown}
            onMappingChange={(mapping) => setChoices({ ...choices, mapping })}
          />
        </>
      )}
      <div class="actions">
        <button
          type="button"
          disabled={load.state !== 'ready'}
          onClick={() => load.state === 'ready' && confirm(load.preview)}
        >
          Re-read the file
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </section>
  );
}

/**
 * Issue #21: a `loaded` or `error` batch's stored file read again with another mapping or region,
 * previewed first. Once started, the page follows the batch live as after an upload.
 */
export function Reread({ token, batch, onStarted }: { token: string; batch: Batch; onStarted: () => void }) {
  const [open, setOpen] = useState(false);
  const [answer, setAnswer] = useState<string | null>(null);
  const restable = batch.status === 'loaded' || batch.status === 'error';
  return (
    <>
      {restable && !open && (
        <button type="button" onClick={() => (setAnswer(null), setOpen(true))}>
          Re-read with another mapping
        </button>
      )}
      {answer && (
        <p role="status" data-testid="reread-answer">
          {answer}
        </p>
      )}
      {open && (
        <RereadPanel
          token={token}
          batch={batch}
          onClose={() => setOpen(false)}
          onStarted={(text) => {
            setOpen(false);
            setAnswer(text);
            onStarted();
          }}
        />
      )}
    </>
  );
}
