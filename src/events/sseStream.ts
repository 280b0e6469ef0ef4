import { PassThrough } from 'node:stream';
import type { StoredEvent } from './batchEvent.js';

/** Reconnection delay a browser's EventSource (or a fetch-based client) is told to use. */
export const RETRY_MS = 3_000;

/**
 * More than this waiting for a client means it stopped reading (a dead connection, a frozen
 * tab): the stream is dropped rather than buffered without bound. The client reconnects with
 * Last-Event-ID and misses nothing the Redis stream still keeps.
 */
export const MAX_BUFFERED_BYTES = 256 * 1024;

/** One SSE frame. `data` is single-line JSON here, so it needs no splitting into data: lines. */
export function sseFrame(id: string | null, event: string, data: string): string {
  return `${id === null ? '' : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`;
}

export function eventFrame(event: StoredEvent): string {
  return sseFrame(event.id, event.type, event.data);
}

/** Tells the client its Last-Event-ID could not be resumed from: refetch the lists. */
export const RESET_FRAME = sseFrame(null, 'reset', '{}');

/** A comment line: keeps proxies and the socket from timing out an idle stream. */
export const HEARTBEAT_FRAME = ': ping\n\n';

export interface SseStream {
  /** The response body (text/event-stream). */
  readonly body: PassThrough;
  send(frame: string): void;
  /** Ends the response normally (server shutdown); the client reconnects elsewhere. */
  end(): void;
  /** Runs once when the stream is over, whoever ended it. */
  onClose(callback: () => void): void;
}

/** The body of one event-stream response: retry first, heartbeats, and a bound on buffering. */
export function createSseStream(heartbeatMs: number): SseStream {
  const body = new PassThrough();
  body.write(`retry: ${RETRY_MS}\n\n`);
  const heartbeat = setInterval(() => send(HEARTBEAT_FRAME), heartbeatMs);
  heartbeat.unref();
  body.once('close', () => clearInterval(heartbeat));

  function send(frame: string): void {
    if (body.destroyed || body.writableEnded) {
      return;
    }
    if (body.writableLength + body.readableLength > MAX_BUFFERED_BYTES) {
      body.destroy(); // the client stopped reading; see MAX_BUFFERED_BYTES
      return;
    }
    body.write(frame);
  }

  return {
    body,
    send,
    end() {
      if (!body.writableEnded) {
        body.end();
      }
    },
    onClose(callback) {
      if (body.destroyed) {
        callback();
      } else {
        body.once('close', callback);
      }
    },
  };
}
