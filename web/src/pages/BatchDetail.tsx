import { useState } from 'preact/hooks';
import { ApiError, client, isActive, messageOf, ok, type Batch } from '../api.js';
import { formatBytes, formatTime, Progress, StatusBadge } from '../components/Batch.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { Failed, Loaded } from '../components/States.js';
import { download } from '../download.js';
import type { LiveEvent } from '../live/events.js';
import { useLive } from '../live/LiveContext.js';
import { navigate } from '../router.js';
import { useLoad } from '../useLoad.js';
import { applyChange, newest } from '../versions.js';
import { InvalidRows } from './InvalidRows.js';
import { Records } from './Records.js';
import { Reread } from './Reread.js';

function Summary({ batch }: { batch: Batch }) {
  return (
    <section aria-labelledby="summary-title">
      <h2 id="summary-title">
        {batch.fileName} <StatusBadge status={batch.status} />
      </h2>
      <Progress value={batch.progress} label="Processing progress" />
      <dl class="counts">
        <div>
          <dt>Rows read</dt>
          <dd data-testid="rows-read">{batch.rowsRead}</dd>
        </div>
        <div>
          <dt>Records</dt>
          <dd data-testid="records-loaded">{batch.recordsLoaded}</dd>
        </div>
        <div>
          <dt>Invalid rows</dt>
          <dd data-testid="invalid-count">{batch.invalidRows}</dd>
        </div>
        <div>
          <dt>Format</dt>
          <dd>
            {batch.fileFormat}, {formatBytes(batch.fileSize)}
          </dd>
        </div>
        <div>
          <dt>Uploaded</dt>
          <dd>{formatTime(batch.createdAt)}</dd>
        </div>
      </dl>
      {batch.errorMessage && (
        <p class="error" data-testid="batch-error">
          {batch.errorMessage}
        </p>
      )}
    </section>
  );
}

const DOWNLOADS: [string, string, string][] = [
  ['errors.csv', 'Errors CSV', '-errors.csv'],
  ['records.csv', 'Records CSV', '-records.csv'],
  ['records.vcf', 'Records vCard', '.vcf'],
];

function Actions({ token, batch, onChanged }: { token: string; batch: Batch; onChanged: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = (action: () => Promise<unknown>) => {
    setError(null);
    action().catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  };
  const api = client(token);
  const path = { params: { path: { id: batch.id } } };
  const base = batch.fileName.replace(/\.[^.]+$/, '');
  const remove = async () => {
    setConfirming(false);
    const { error: body, response } = await api.DELETE('/api/batches/{id}', path);
    if (!response.ok) {
      throw new ApiError(messageOf(body, response), response.status);
    }
    navigate('#/batches');
  };
  return (
    <section aria-labelledby="actions-title">
      <h2 id="actions-title">Downloads and actions</h2>
      <div class="actions">
        {DOWNLOADS.map(([file, label, suffix]) => (
          <button
            key={file}
            type="button"
            onClick={() => run(() => download(token, `/api/batches/${batch.id}/${file}`, base + suffix))}
          >
            {label}
          </button>
        ))}
        {batch.status === 'error' && (
          <button
            type="button"
            onClick={() => run(() => ok(api.POST('/api/batches/{id}/retry', path)).then(onChanged))}
          >
            Retry
          </button>
        )}
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          Delete
        </button>
      </div>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <ConfirmDialog
        open={confirming}
        title="Delete this batch?"
        confirmLabel="Delete batch"
        onCancel={() => setConfirming(false)}
        onConfirm={() => run(remove)}
      >
        <p>
          {batch.fileName}, its file and its {batch.recordsLoaded} records will be deleted. This cannot be
          undone.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function onEvent(
  id: string,
  event: LiveEvent,
  update: (change: (b: Batch) => Batch) => void,
  gone: () => void,
) {
  if (event.kind === 'batch' && event.batch.id === id) {
    const { fileName: _name, ...change } = event.batch;
    update((batch) => applyChange(batch, change));
  } else if (event.kind === 'deleted' && event.id === id) {
    gone();
  }
}

export function BatchDetail({ token, id }: { token: string; id: string }) {
  const [deleted, setDeleted] = useState(false);
  const [load, reload, update] = useLoad(
    () => ok(client(token).GET('/api/batches/{id}', { params: { path: { id } } })),
    `${token} ${id}`,
    newest,
  );
  const active = load.state === 'ready' && isActive(load.data.status);
  useLive(
    (event) => (event.kind === 'reset' ? reload() : onEvent(id, event, update, () => setDeleted(true))),
    reload,
    active,
  );
  if (deleted) {
    return <Failed message="This batch was deleted." />;
  }
  return (
    <Loaded
      load={load}
      what="the batch"
      retry={reload}
      ready={(batch) => (
        <>
          <Summary batch={batch} />
          <Actions token={token} batch={batch} onChanged={reload} />
          {/* Issue #21: re-read the stored file; the batch then goes active and is followed live. */}
          <Reread token={token} batch={batch} onStarted={reload} />
          {/* The counts in the key: a fix (live event) moves them, and both tables read again. */}
          <Records token={token} id={id} version={`${batch.status} ${batch.recordsLoaded}`} />
          {batch.invalidRows > 0 && (
            <InvalidRows
              token={token}
              id={id}
              count={batch.invalidRows}
              version={`${batch.status} ${batch.invalidRows}`}
              editable={batch.status === 'loaded'}
            />
          )}
        </>
      )}
    />
  );
}
