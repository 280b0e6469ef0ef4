import { useState } from 'preact/hooks';
import { client, failure, ok } from '../api.js';
import { formatTime } from '../components/Batch.js';
import { Empty, Loaded } from '../components/States.js';
import { useLoad } from '../useLoad.js';
import type { paths } from '../../../src/client/index.js';

type Endpoint =
  paths['/api/webhooks']['get']['responses'][200]['content']['application/json']['webhooks'][number];
type Delivery =
  paths['/api/webhooks/{id}/deliveries']['get']['responses'][200]['content']['application/json']['deliveries'][number];
type EventType = Endpoint['events'][number];

const EVENTS: readonly EventType[] = [
  'batch.loaded',
  'batch.failed',
  'batch.deleted',
  'batch.updated',
  'webhook.test',
];

/** Runs an action, showing the API's message when it fails; `done` refreshes what it changed. */
function useAction(done: () => void): [string | null, (run: () => Promise<unknown>) => void] {
  const [message, setMessage] = useState<string | null>(null);
  const act = (run: () => Promise<unknown>) => {
    setMessage(null);
    run().then(done, (error: unknown) => setMessage(error instanceof Error ? error.message : String(error)));
  };
  return [message, act];
}

function AddEndpoint({ token, onAdded }: { token: string; onAdded: () => void }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<EventType[]>([...EVENTS]);
  const [secret, setSecret] = useState<string | null>(null);
  const [message, act] = useAction(onAdded);
  const submit = (event: Event) => {
    event.preventDefault();
    act(async () => {
      const created = await ok(client(token).POST('/api/webhooks', { body: { url, events } }));
      setSecret(created.secret);
      setUrl('');
    });
  };
  return (
    <form class="card" onSubmit={submit}>
      <h2>Add an endpoint</h2>
      <label>
        URL <input type="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
      </label>
      <fieldset>
        <legend>Events</legend>
        {EVENTS.map((name) => (
          <label key={name}>
            <input
              type="checkbox"
              checked={events.includes(name)}
              onChange={(e) =>
                setEvents(e.currentTarget.checked ? [...events, name] : events.filter((x) => x !== name))
              }
            />{' '}
            {name}
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={events.length === 0}>
        Add
      </button>
      {message && (
        <p class="error" role="alert">
          {message}
        </p>
      )}
      {secret && (
        <p role="status" data-testid="webhook-secret">
          Signing secret, shown only now: <code>{secret}</code>{' '}
          <button type="button" class="link" onClick={() => void navigator.clipboard.writeText(secret)}>
            Copy
          </button>
        </p>
      )}
    </form>
  );
}

function Deliveries({ token, endpoint }: { token: string; endpoint: Endpoint }) {
  const [load, reload] = useLoad(
    () => ok(client(token).GET('/api/webhooks/{id}/deliveries', { params: { path: { id: endpoint.id } } })),
    endpoint.id,
  );
  const [message, act] = useAction(reload);
  const replay = (deliveryId: string) =>
    act(() =>
      ok(
        client(token).POST('/api/webhooks/{id}/deliveries/{deliveryId}/replay', {
          params: { path: { id: endpoint.id, deliveryId } },
        }),
      ),
    );
  const replayFailed = () =>
    act(() =>
      ok(
        client(token).POST('/api/webhooks/{id}/replay', {
          params: { path: { id: endpoint.id } },
          body: { since: new Date(0).toISOString() },
        }),
      ),
    );
  return (
    <Loaded
      load={load}
      what="deliveries"
      retry={reload}
      ready={(page) =>
        page.deliveries.length === 0 ? (
          <Empty>No deliveries yet.</Empty>
        ) : (
          <div class="scroll">
            <div class="toolbar">
              <button type="button" onClick={reload}>
                Refresh
              </button>
              <button type="button" onClick={replayFailed}>
                Replay all failed
              </button>
            </div>
            {message && (
              <p class="error" role="alert">
                {message}
              </p>
            )}
            <table>
              <caption class="muted">Newest first; each attempt with its answer</caption>
              <thead>
                <tr>
                  <th scope="col">webhook-id</th>
                  <th scope="col">Event</th>
                  <th scope="col">State</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {page.deliveries.map((d: Delivery) => (
                  <tr key={d.id}>
                    <td>
                      <code>{d.id}</code>
                    </td>
                    <td>{d.eventType}</td>
                    <td>{d.state}</td>
                    <td>
                      <ol>
                        {d.attempts.map((a, i) => (
                          <li key={i}>
                            {formatTime(a.attemptedAt)}: {a.statusCode ?? a.error} ({a.durationMs} ms)
                          </li>
                        ))}
                      </ol>
                    </td>
                    <td>
                      <button type="button" onClick={() => replay(d.id)}>
                        Replay
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      }
    />
  );
}

function EndpointCard({
  token,
  endpoint,
  changed,
}: {
  token: string;
  endpoint: Endpoint;
  changed: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [message, act] = useAction(changed);
  const api = client(token);
  const path = { params: { path: { id: endpoint.id } } };
  const remove = () =>
    act(async () => {
      const { response } = await api.DELETE('/api/webhooks/{id}', path);
      if (!response.ok) {
        throw await failure(response);
      }
    });
  return (
    <li class="card">
      <h2>{endpoint.url}</h2>
      <p class="muted">
        {endpoint.events.join(', ')} ·{' '}
        {endpoint.enabled
          ? 'enabled'
          : `disabled${endpoint.disabledReason ? `: ${endpoint.disabledReason}` : ''}`}
      </p>
      <div class="actions">
        <button
          type="button"
          onClick={() =>
            act(() => ok(api.PATCH('/api/webhooks/{id}', { ...path, body: { enabled: !endpoint.enabled } })))
          }
        >
          {endpoint.enabled ? 'Disable' : 'Enable'}
        </button>
        <button type="button" onClick={() => act(() => ok(api.POST('/api/webhooks/{id}/test', path)))}>
          Send a test
        </button>
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
          Deliveries
        </button>
        <button type="button" class="danger" onClick={remove}>
          Delete
        </button>
      </div>
      {message && (
        <p class="error" role="alert">
          {message}
        </p>
      )}
      {open && <Deliveries token={token} endpoint={endpoint} />}
    </li>
  );
}

/** Webhook endpoints: add one (its secret shown once), enable/disable, test, deliveries, replay. */
export function Webhooks({ token }: { token: string }) {
  const [load, reload] = useLoad(() => ok(client(token).GET('/api/webhooks')), token);
  return (
    <>
      <p class="hint">
        Batchport POSTs a signed message (Standard Webhooks) to each endpoint when a batch is loaded, fails or
        is deleted.
      </p>
      <AddEndpoint token={token} onAdded={reload} />
      <Loaded
        load={load}
        what="your webhook endpoints"
        retry={reload}
        ready={(data) =>
          data.webhooks.length === 0 ? (
            <Empty>No endpoints yet.</Empty>
          ) : (
            <ul class="webhooks">
              {data.webhooks.map((endpoint) => (
                <EndpointCard key={endpoint.id} token={token} endpoint={endpoint} changed={reload} />
              ))}
            </ul>
          )
        }
      />
    </>
  );
}
