import { decodeDeliveryCursor } from '../../../src/repositories/webhookDeliveryCursor.js';
import type { SavedMappingCandidate } from '../../../src/parsing/headers/savedMappings.js';
import type {
  NewSavedMapping,
  SavedMapping,
  SavedMappingRepository,
} from '../../../src/repositories/savedMappingRepository.js';

/** `saved_mappings` in memory for the HTTP-layer tests: scoped by user, capped, newest first. */
export function createMemorySavedMappings(): SavedMappingRepository & { all(): NewSavedMapping[] } {
  const rows: Array<NewSavedMapping & { createdAt: Date; lastUsedAt: Date }> = [];
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const tick = () => new Date((clock += 1000));
  const view = (r: (typeof rows)[number]): SavedMapping => ({
    id: r.id,
    mapping: r.mapping,
    createdAt: r.createdAt,
    lastUsedAt: r.lastUsedAt,
  });
  return {
    all: () => rows.map((r) => ({ ...r })),
    save(entry, cap) {
      const existing = rows.find((r) => r.userId === entry.userId && r.fingerprint === entry.fingerprint);
      if (existing) {
        Object.assign(existing, { mapping: entry.mapping, fields: entry.fields, lastUsedAt: tick() });
      } else {
        const now = tick();
        rows.push({ ...entry, createdAt: now, lastUsedAt: now });
      }
      const mine = rows
        .filter((r) => r.userId === entry.userId)
        .sort((a, b) => +b.lastUsedAt - +a.lastUsedAt);
      for (const gone of mine.slice(cap)) {
        rows.splice(rows.indexOf(gone), 1);
      }
      return Promise.resolve(existing?.id ?? entry.id);
    },
    candidates: (userId) =>
      Promise.resolve(
        rows
          .filter((r) => r.userId === userId)
          .map((r): SavedMappingCandidate => ({ id: r.id, fingerprint: r.fingerprint, fields: r.fields })),
      ),
    touch(id, userId) {
      const row = rows.find((r) => r.id === id && r.userId === userId);
      if (row) {
        row.lastUsedAt = tick();
      }
      return Promise.resolve();
    },
    list(userId, limit, cursor) {
      if (cursor !== undefined) {
        decodeDeliveryCursor(cursor); // a forged cursor is refused as the repository refuses it
      }
      const mine = rows.filter((r) => r.userId === userId).sort((a, b) => +b.createdAt - +a.createdAt);
      return Promise.resolve({ mappings: mine.slice(0, limit).map(view), nextCursor: null });
    },
    delete(id, userId) {
      const i = rows.findIndex((r) => r.id === id && r.userId === userId);
      if (i >= 0) {
        rows.splice(i, 1);
      }
      return Promise.resolve(i >= 0);
    },
  };
}
