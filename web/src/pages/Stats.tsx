import { client, ok, STATUSES, type Stats as StatsData } from '../api.js';
import { StatusBadge } from '../components/Batch.js';
import { Loaded } from '../components/States.js';
import { useLive } from '../live/LiveContext.js';
import { useLoad } from '../useLoad.js';

export function Stats({ token }: { token: string }) {
  const [load, reload] = useLoad(() => ok(client(token).GET('/api/batches/stats')), token);
  const active = load.state === 'ready' && load.data.uploaded + load.data.parsing + load.data.parsed > 0;
  // Counts move with every status change; any event is a reason to ask again.
  useLive(reload, reload, active);
  return (
    <Loaded
      load={load}
      what="your stats"
      retry={reload}
      ready={(stats: StatsData) => (
        <dl class="stats">
          <div>
            <dt>All batches</dt>
            <dd data-testid="stat-total">{stats.total}</dd>
          </div>
          {STATUSES.map((status) => (
            <div key={status}>
              <dt>
                <StatusBadge status={status} />
              </dt>
              <dd data-testid={`stat-${status}`}>{stats[status]}</dd>
            </div>
          ))}
        </dl>
      )}
    />
  );
}
