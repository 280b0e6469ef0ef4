import { client, isActive, ok, type RecentBatch } from '../api.js';
import { formatBytes, formatTime, StatusBadge } from '../components/Batch.js';
import { Empty, Loaded } from '../components/States.js';
import { useLive } from '../live/LiveContext.js';
import { useLoad } from '../useLoad.js';

function RecentList({ batches }: { batches: RecentBatch[] }) {
  if (batches.length === 0) {
    return (
      <Empty>
        Nothing uploaded yet. <a href="#/upload">Upload a file</a>.
      </Empty>
    );
  }
  return (
    <ul class="recent">
      {batches.map((batch) => (
        <li key={batch.id}>
          <a href={`#/batches/${batch.id}`}>{batch.fileName}</a> <StatusBadge status={batch.status} />
          <span class="muted">
            {' '}
            {formatBytes(batch.fileSize)} · {formatTime(batch.createdAt)}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function Recent({ token }: { token: string }) {
  const [load, reload] = useLoad(() => ok(client(token).GET('/api/batches/recent', {})), token);
  const active = load.state === 'ready' && load.data.some((batch) => isActive(batch.status));
  useLive(reload, reload, active);
  return (
    <Loaded
      load={load}
      what="recent batches"
      retry={reload}
      ready={(data) => <RecentList batches={data} />}
    />
  );
}
