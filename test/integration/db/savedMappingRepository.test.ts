import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../../src/db/migrate.js';
import { createPgPool, type PgPool } from '../../../src/db/postgres.js';
import { headerFingerprint } from '../../../src/parsing/headers/savedMappings.js';
import { createSavedMappingRepository } from '../../../src/repositories/savedMappingRepository.js';
import { requireEnv } from '../errors/env.js';

const CAP = 5;
const entry = (userId: string, n: number) => ({
  id: randomUUID(),
  userId,
  fingerprint: headerFingerprint([`Name ${n}`, 'Email'])!,
  mapping: { [`Name ${n}`]: 'fullName' as const, Email: 'email' as const },
  fields: { [`name ${n}`]: 'fullName' as const, email: 'email' as const },
});

/** saved_mappings on the real PostgreSQL: the per-user cap and what it replaces. */
describe('saved mapping repository (PostgreSQL)', () => {
  let pool: PgPool;
  beforeAll(async () => {
    pool = createPgPool({
      connectionString: requireEnv('DATABASE_URL'),
      maxConnections: 2,
      connectTimeoutMs: 5_000,
      statementTimeoutMs: 10_000,
    });
    await runMigrations(pool);
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('keeps at most the cap per user: the least recently used goes; a used one stays', async () => {
    const repo = createSavedMappingRepository(pool);
    const user = `cap-${randomUUID()}`;
    const ids: string[] = [];
    for (let n = 0; n < CAP; n++) {
      ids.push(await repo.save(entry(user, n), CAP));
    }
    await repo.touch(ids[0]!, user); // the oldest saved is now the most recently used
    await repo.save(entry(user, CAP), CAP);
    const left = (await repo.candidates(user)).map((c) => c.id);
    expect(left).toHaveLength(CAP);
    expect(left).toContain(ids[0]);
    expect(left).not.toContain(ids[1]);
    // Saving under an existing fingerprint replaces it, keeping its id.
    expect(await repo.save(entry(user, 3), CAP)).toBe(ids[3]);
  });
});
