import { EventStreamContentType, fetchEventSource } from '@microsoft/fetch-event-source';
import { authHeader, type BatchStatus } from '../api.js';

/** What `event: batch` carries: the status answer plus the file name and the change time. */
export interface BatchChange {
  id: string;
  status: BatchStatus;
  /** Bumped by every write of the batch: only a higher version replaces what a page shows. */
  version: number;
  progress: number;
  rowsRead: number;
  recordsLoaded: number;
  invalidRows: number;
  errorMessage?: string;
  fileName: string;
  updatedAt: string;
}

export type LiveEvent =
  { kind: 'batch'; batch: BatchChange } | { kind: 'deleted'; id: string } | { kind: 'reset' };

export interface StreamHandlers {
  onEvent: (event: LiveEvent) => void;
  onLive: (live: boolean) => void;
  /** The pause before reconnecting after a drop (default 5 s; tests shorten it). */
  reconnectMs?: number;
}

/** The stream answers 4xx when it cannot work for this caller at all; retrying would not help. */
class Fatal extends Error {}

// After a drop, wait this long before reconnecting (the page polls meanwhile).
const RECONNECT_MS = 5_000;

export function decode(type: string, data: string): LiveEvent | undefined {
  switch (type) {
    case 'batch':
      return { kind: 'batch', batch: JSON.parse(data) as BatchChange };
    case 'deleted':
      return { kind: 'deleted', id: (JSON.parse(data) as { id: string }).id };
    case 'reset':
      return { kind: 'reset' };
    default:
      return undefined;
  }
}

/**
 * Follows `GET /api/batches/events` with the bearer in a header (fetch-based SSE: the token never
 * goes into a URL, as EventSource would need). The library resends `Last-Event-ID` on reconnect,
 * so nothing is missed across a drop. Every (re)connection sends the token `currentToken` gives
 * at that moment: the server ends a stream when the token that opened it expires, and the
 * reconnection must carry the tab's current token, not the one the stream started with.
 * Returns a function that closes the stream.
 */
export function openStream(currentToken: () => string, handlers: StreamHandlers): () => void {
  const controller = new AbortController();
  fetchEventSource('/api/batches/events', {
    headers: { accept: EventStreamContentType },
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: { ...(init?.headers as Record<string, string>), ...authHeader(currentToken()) },
      }),
    signal: controller.signal,
    // Hidden tabs keep the stream: closing and reopening on every tab switch costs more.
    openWhenHidden: true,
    // The library wants a promise back; this check needs nothing awaited.
    // eslint-disable-next-line @typescript-eslint/require-await
    onopen: async (response) => {
      const type = response.headers.get('content-type') ?? '';
      if (!response.ok || !type.startsWith(EventStreamContentType)) {
        throw response.status >= 400 && response.status < 500 && response.status !== 429
          ? new Fatal(`events: ${response.status}`)
          : new Error(`events: ${response.status}`);
      }
      handlers.onLive(true);
    },
    onmessage: (message) => {
      const event = decode(message.event, message.data);
      if (event) {
        handlers.onEvent(event);
      }
    },
    onclose: () => {
      handlers.onLive(false);
      // The server ended the stream (a restart, a deploy, the token's expiry): reconnect after the
      // usual pause, with the current token.
      throw new Error('events: closed');
    },
    onerror: (error: unknown) => {
      handlers.onLive(false);
      if (error instanceof Fatal) {
        throw error;
      }
      return handlers.reconnectMs ?? RECONNECT_MS;
    },
  }).catch(() => handlers.onLive(false));
  return () => controller.abort();
}
