import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { isBatchEventType, type StoredEvent } from './batchEvent.js';
import { compareStreamIds, streamKey } from './eventStreamKeys.js';
import { startPosition } from './resumePosition.js';

/** One open event stream, as the hub sees it. */
export interface EventListener {
  /** Called once, before any delivery: `reset` when the client's Last-Event-ID was not resumable. */
  start(reset: boolean): void;
  deliver(event: StoredEvent): void;
}

export interface EventSubscription {
  close(): void;
}

/** What the events route needs: a live, resumable feed of one user's batch events. */
export interface BatchEventSource {
  subscribe(
    userId: string,
    lastEventId: string | undefined,
    listener: EventListener,
  ): Promise<EventSubscription>;
}

export interface EventHub extends BatchEventSource {
  /** Streams currently subscribed (all users). */
  size(): number;
  close(): Promise<void>;
}

export interface EventHubDeps {
  /**
   * The hub's own connection, used only for the blocking XREAD: no command timeout, waits
   * through outages. Created lazily by its owner (lazyConnect), so a process nobody listens to
   * holds no extra connection.
   */
  reader: Redis;
  /** A fail-fast connection for the short commands (start positions, waking the reader). */
  control: Pick<Redis, 'xrange' | 'xrevrange' | 'client'>;
  logger: Logger;
  /** REDIS_KEY_PREFIX: only this deployment's streams are read (eventStreamKeys.ts). */
  keyPrefix: string;
}

/** Longest a read blocks; also the worst-case delay for a stream that joins mid-read (see wake). */
const BLOCK_MS = 2_000;
/** Entries per user per read; a resuming reader catches up in a few reads. */
const READ_COUNT = 100;
const RETRY_AFTER_ERROR_MS = 1_000;

interface Reader {
  position: string;
  listener: EventListener;
}

/**
 * The per-process fan-out of users' event streams. ONE blocking `XREAD` on ONE connection reads
 * every user with an open stream in this process, from the oldest position any of that user's
 * readers still needs, and hands each entry to the readers that have not seen it. So Redis
 * connections stay at one per API process however many streams are open (a connection per
 * stream would let browser tabs exhaust Redis's client limit), and the number of streams is
 * capped by the route, not by Redis. Resume needs no separate path: a reader that starts at an
 * older id simply makes the next read start there.
 *
 * A new reader interrupts the blocked read (CLIENT UNBLOCK) so its replay and its user's events
 * start at once instead of after the block timeout.
 */
export function createEventHub({ reader, control, logger, keyPrefix }: EventHubDeps): EventHub {
  const users = new Map<string, Set<Reader>>();
  let closed = false;
  let loop: Promise<void> | null = null;
  let readerId: number | null = null;
  reader.on('close', () => {
    readerId = null; // a reconnect gets a new client id
  });

  function size(): number {
    let n = 0;
    for (const readers of users.values()) {
      n += readers.size;
    }
    return n;
  }

  /** Interrupts the blocked read so the next one includes the changed set of readers. */
  function wake(): void {
    if (readerId !== null) {
      control.client('UNBLOCK', readerId).catch(() => undefined); // at worst: one block period late
    }
  }

  function readArguments(): { keys: string[]; ids: string[]; userOf: Map<string, string> } {
    const keys: string[] = [];
    const ids: string[] = [];
    const userOf = new Map<string, string>();
    for (const [userId, readers] of users) {
      const positions = [...readers].map((r) => r.position);
      const oldest = positions.reduce((a, b) => (compareStreamIds(a, b) <= 0 ? a : b));
      const key = streamKey(keyPrefix, userId);
      keys.push(key);
      ids.push(oldest);
      userOf.set(key, userId);
    }
    return { keys, ids, userOf };
  }

  function dispatch(readers: Set<Reader> | undefined, entries: Array<[string, string[]]>): void {
    for (const [id, fields] of entries) {
      const event = toStoredEvent(id, fields);
      // A copy: a reader whose client is too slow closes itself during delivery.
      for (const r of [...(readers ?? [])]) {
        if (compareStreamIds(id, r.position) > 0) {
          r.position = id;
          if (event) {
            r.listener.deliver(event);
          }
        }
      }
    }
  }

  async function readOnce(): Promise<void> {
    readerId ??= Number(await reader.client('ID'));
    const { keys, ids, userOf } = readArguments();
    const reply = await reader.xread('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', ...keys, ...ids);
    for (const [key, entries] of reply ?? []) {
      const userId = userOf.get(key);
      dispatch(userId === undefined ? undefined : users.get(userId), entries);
    }
  }

  async function run(): Promise<void> {
    while (!closed && users.size > 0) {
      try {
        await readOnce();
      } catch (error) {
        if (closed) {
          break;
        }
        logger.warn({ err: error }, 'reading batch events failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_ERROR_MS));
      }
    }
    loop = null;
  }

  function remove(userId: string, entry: Reader): void {
    const readers = users.get(userId);
    readers?.delete(entry);
    if (readers?.size === 0) {
      users.delete(userId);
      wake(); // the read need not wait for a user nobody listens to any more
    }
  }

  return {
    size,

    async subscribe(userId, lastEventId, listener) {
      if (closed) {
        throw new Error('the event hub is closed');
      }
      const start = await startPosition(control, keyPrefix, userId, lastEventId);
      listener.start(start.reset);
      const entry: Reader = { position: start.position, listener };
      const readers = users.get(userId) ?? new Set<Reader>();
      readers.add(entry);
      users.set(userId, readers);
      wake();
      loop ??= run();
      let open = true;
      return {
        close() {
          if (open) {
            open = false;
            remove(userId, entry);
          }
        },
      };
    },

    async close() {
      closed = true;
      users.clear();
      reader.disconnect(); // rejects the blocked read, which ends the loop
      await loop;
    },
  };
}

function toStoredEvent(id: string, fields: string[]): StoredEvent | null {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    values.set(fields[i]!, fields[i + 1]!);
  }
  const type = values.get('type');
  const data = values.get('data');
  return isBatchEventType(type) && data !== undefined ? { id, type, data } : null;
}
