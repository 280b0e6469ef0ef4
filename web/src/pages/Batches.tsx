import { client, isActive, ok, STATUSES, type Batch, type BatchList, type BatchStatus } from '../api.js';
import { formatTime, Progress, StatusBadge } from '../components/Batch.js';
import { Empty, Loaded } from '../components/States.js';
import type { LiveEvent } from '../live/events.js';
import { useLive } from '../live/LiveContext.js';
import { batchesHref, navigate } from '../router.js';
import { useLoad } from '../useLoad.js';
import { applyChange, mergeRows } from '../versions.js';

const PAGE_SIZE = 20;

function applyEvent(list: BatchList, event: LiveEvent): BatchList {
  if (event.kind !== 'batch') {
    return list;
  }
  const change = event.batch;
  return { ...list, batches: list.batches.map((batch): Batch => applyChange(batch, change)) };
}

/** A fresh page of the list, keeping each row a live event already made newer. */
function reconcile(shown: BatchList, incoming: BatchList): BatchList {
  return { ...incoming, batches: mergeRows(shown.batches, incoming.batches) };
}

function Table({ batches }: { batches: Batch[] }) {
  return (
    <div class="scroll" tabIndex={0} role="region" aria-label="Batches">
      <table>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Status</th>
            <th scope="col">Progress</th>
            <th scope="col">Records</th>
            <th scope="col">Invalid rows</th>
            <th scope="col">Uploaded</th>
          </tr>
        </thead>
        <tbody>
          {batches.map((batch) => (
            <tr key={batch.id} data-batch-id={batch.id}>
              <td>
                <a href={`#/batches/${batch.id}`}>{batch.fileName}</a>
              </td>
              <td>
                <StatusBadge status={batch.status} />
              </td>
              <td>
                <Progress value={batch.progress} label={`Progress of ${batch.fileName}`} />
              </td>
              <td>{batch.recordsLoaded}</td>
              <td>{batch.invalidRows}</td>
              <td>{formatTime(batch.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Pager({ list, status }: { list: BatchList; status: string }) {
  const pages = Math.max(1, Math.ceil(list.total / list.limit));
  return (
    <nav class="pager" aria-label="Pages of batches">
      {list.page > 1 ? <a href={batchesHref(status, list.page - 1)}>Previous page</a> : <span />}
      <span>
        Page {list.page} of {pages} ({list.total} batches)
      </span>
      {list.page < pages ? <a href={batchesHref(status, list.page + 1)}>Next page</a> : <span />}
    </nav>
  );
}

export function Batches({
  token,
  status,
  pageNumber,
}: {
  token: string;
  status: string;
  pageNumber: number;
}) {
  const query = {
    page: pageNumber,
    limit: PAGE_SIZE,
    ...(status !== '' && { status: status as BatchStatus }),
  };
  const [load, reload, update] = useLoad(
    () => ok(client(token).GET('/api/batches', { params: { query } })),
    `${token} ${status} ${pageNumber}`,
    reconcile,
  );
  const active = load.state === 'ready' && load.data.batches.some((batch) => isActive(batch.status));
  useLive(
    (event) => (event.kind === 'batch' ? update((list) => applyEvent(list, event)) : reload()),
    reload,
    active,
  );
  return (
    <>
      <div class="toolbar">
        <label for="status-filter">Status</label>
        <select
          id="status-filter"
          value={status}
          onChange={(e) => navigate(batchesHref(e.currentTarget.value, 1))}
        >
          <option value="">All</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <Loaded
        load={load}
        what="your batches"
        retry={reload}
        ready={(list) =>
          list.batches.length === 0 ? (
            <Empty>
              {status === '' ? 'No batches yet.' : `No batches with status ${status}.`}{' '}
              <a href="#/upload">Upload a file</a>.
            </Empty>
          ) : (
            <>
              <Table batches={list.batches} />
              <Pager list={list} status={status} />
            </>
          )
        }
      />
    </>
  );
}
