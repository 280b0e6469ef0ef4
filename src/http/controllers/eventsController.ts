import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { RateLimitedError } from '../../errors.js';
import type { BatchEventSource, EventSubscription } from '../../events/eventHub.js';
import {
  createSseStream,
  eventFrame,
  RESET_FRAME,
  RETRY_MS,
  type SseStream,
} from '../../events/sseStream.js';
import { createStreamSlots, EventStreamsFullError, type StreamLimits } from '../../events/streamSlots.js';
import type { Metrics } from '../../observability/metrics.js';
import { currentUser } from '../plugins/authentication.js';
import { API_ERRORS } from '../schemas/errorSchemas.js';

export interface EventStreamSettings extends StreamLimits {
  source: BatchEventSource;
  /** Time between `: ping` comments (EVENTS_HEARTBEAT_MS). */
  heartbeatMs: number;
}

export interface EventsControllerOptions {
  events: EventStreamSettings;
  metrics: Pick<Metrics, 'eventStreams'>;
}

const DESCRIPTION = [
  "Server-Sent Events: the caller's own batch changes, live, from every API process and worker.",
  `The stream starts with \`retry: ${RETRY_MS}\`. Events:`,
  '- `batch` (`id:` the stream entry id): `data` is the JSON that GET /api/batches/{id}/status answers ' +
    '(`id, status, progress, rowsRead, recordsLoaded, invalidRows, errorMessage?`) plus `fileName` and ' +
    "`updatedAt`; sent when a batch is created, changes status, makes progress (at the worker's " +
    'progress interval, never per row) or is retried.',
  '- `deleted` (`id:` the entry id): `data` is `{ "id": "<batch id>" }`.',
  '- `reset` (no id): `data` is `{}`; the `Last-Event-ID` sent could not be resumed from ' +
    '(malformed, or older than the ~500 entries kept per user): refetch the lists.',
  '- `: ping` comment lines every 15 s (EVENTS_HEARTBEAT_MS) keep the connection alive.',
  'The stream ends when its token expires (`exp` plus the accepted clock skew, JWT_CLOCK_SKEW): ' +
    'reconnect with a current token.',
  'Send `Last-Event-ID` when reconnecting to get exactly the events missed. Authenticate with the ' +
    'Authorization header (use a fetch-based client; the token never goes in the URL). Too many ' +
    'open streams: 429 for one user, 503 for the server.',
].join('\n');

/** GET /api/batches/events: the live stream. Thin: slots, an SSE body, a hub subscription. */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
export const eventsController: FastifyPluginAsyncTypebox<EventsControllerOptions> = async (app, opts) => {
  const { source, heartbeatMs } = opts.events;
  const slots = createStreamSlots(opts.events);
  const open = new Set<SseStream>();

  // Before in-flight requests are awaited: an open stream never finishes by itself, so
  // app.close() would wait forever. Ended streams make clients reconnect, to another instance.
  app.addHook('preClose', (done) => {
    for (const stream of open) {
      stream.end();
    }
    done();
  });

  app.get(
    '/events',
    {
      schema: {
        operationId: 'streamBatchEvents',
        summary: 'Live changes of your batches (Server-Sent Events)',
        description: DESCRIPTION,
        tags: ['batches'],
        headers: Type.Object({
          'last-event-id': Type.Optional(
            Type.String({ description: 'The `id:` of the last event received, to resume after it' }),
          ),
        }),
        produces: ['text/event-stream', 'application/json'],
        response: {
          200: {
            description: 'An endless text/event-stream (see the description for its events)',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
          ...API_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const release = takeSlot(reply, () => slots.acquire(user.id));
      const stream = createSseStream(heartbeatMs);
      let subscription: EventSubscription | null = null;
      open.add(stream);
      // A stream must not outlive the token that opened it: ended then, the client reconnects
      // with its current token (or is refused).
      const expiry = endAt(request.tokenAcceptedUntilMs, () => stream.end());
      opts.metrics.eventStreams.set(slots.open());
      stream.onClose(() => {
        // Whoever ended it (client gone, too slow, shutdown): free the slot and the hub's reader.
        open.delete(stream);
        expiry.cancel();
        release();
        subscription?.close();
        opts.metrics.eventStreams.set(slots.open());
      });
      const lastEventId = request.headers['last-event-id'];
      try {
        subscription = await source.subscribe(user.id, lastEventId, {
          start: (reset) => {
            if (reset) {
              stream.send(RESET_FRAME);
            }
          },
          deliver: (event) => stream.send(eventFrame(event)),
        });
      } catch (error) {
        stream.body.destroy();
        throw error;
      }
      if (stream.body.destroyed) {
        subscription.close(); // the client left while the subscription was being set up
      }
      const plain: FastifyReply = reply;
      return plain
        .type('text/event-stream; charset=utf-8')
        .header('x-accel-buffering', 'no') // nginx and the like must pass events on, not buffer them
        .send(stream.body);
    },
  );
};

/** setTimeout's longest delay (~24.8 days); JWT_MAX_AGE allows tokens for up to 30 days. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs `end` at epoch ms `at` (at once when past), whatever the distance. */
function endAt(at: number, end: () => void): { cancel(): void } {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = at - Date.now();
    if (left <= 0) {
      end();
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}

/** A stream slot; a refusal carries Retry-After like every other 429/503. */
function takeSlot(reply: FastifyReply, acquire: () => () => void): () => void {
  try {
    return acquire();
  } catch (error) {
    if (error instanceof RateLimitedError || error instanceof EventStreamsFullError) {
      void reply.header('retry-after', '5');
    }
    throw error;
  }
}
