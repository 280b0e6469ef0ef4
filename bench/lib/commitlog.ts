/** The commit log sync mode a Cassandra node runs, and the A/B of bench/commitlogAb.ts. */
import { existsSync, readFileSync } from 'node:fs';
import type { CassandraClient } from '../../src/db/cassandra.js';

/** "batch", "group 10ms" or "periodic …", from the node's own settings table (Cassandra ≥ 4). */
export async function readCommitlogMode(client: CassandraClient): Promise<string> {
  const result = await client.execute(
    "SELECT name, value FROM system_views.settings WHERE name IN ('commitlog_sync', 'commitlog_sync_group_window', 'commitlog_sync_period')",
  );
  const settings = new Map(result.rows.map((r) => [r['name'] as string, r['value'] as string]));
  const mode = settings.get('commitlog_sync') ?? 'unknown';
  if (mode === 'group') {
    return `group ${settings.get('commitlog_sync_group_window') ?? '?'}`;
  }
  if (mode === 'periodic') {
    return `periodic ${settings.get('commitlog_sync_period') ?? '?'}`;
  }
  return mode;
}

/** The `commitlog_mode` bench key: the running mode and the last A/B measured on this checkout. */
export async function commitlogModeKey(client: CassandraClient): Promise<Record<string, unknown>> {
  const file = 'bench/results/commitlog-ab.json';
  return {
    running: await readCommitlogMode(client),
    ab: existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as unknown)
      : 'not measured: npx tsx bench/commitlogAb.ts',
  };
}
