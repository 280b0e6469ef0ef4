import type { BatchEventType } from '../../../src/events/batchEvent.js';
import type { BatchEventSource, EventListener } from '../../../src/events/eventHub.js';

export interface MemoryEvents {
  source: BatchEventSource;
  /** Delivers an event to every open stream of `userId`; its id is a growing `<n>-0`. */
  emit(userId: string, type: BatchEventType, data: unknown): string;
  /** Open subscriptions of `userId` right now. */
  listening(userId: string): number;
}

/**
 * An in-process event source for fast HTTP tests of the events route (framing, limits,
 * shutdown). It does not resume: any Last-Event-ID is answered with `reset`. The real source,
 * Redis streams read by the hub, is covered by test/integration/events.
 */
export function createMemoryEvents(): MemoryEvents {
  const listeners = new Map<string, Set<EventListener>>();
  let sequence = 0;
  return {
    source: {
      subscribe(userId, lastEventId, listener) {
        listener.start(lastEventId !== undefined);
        const mine = listeners.get(userId) ?? new Set<EventListener>();
        mine.add(listener);
        listeners.set(userId, mine);
        return Promise.resolve({ close: () => void mine.delete(listener) });
      },
    },
    emit(userId, type, data) {
      sequence += 1;
      const id = `${sequence}-0`;
      for (const listener of listeners.get(userId) ?? []) {
        listener.deliver({ id, type, data: JSON.stringify(data) });
      }
      return id;
    },
    listening: (userId) => listeners.get(userId)?.size ?? 0,
  };
}
