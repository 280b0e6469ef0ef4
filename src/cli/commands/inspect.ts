import type { BatchStatus } from '../args.js';
import { batchStatus, waitForBatch, type BatchStatusBody } from '../batches.js';
import { dataOf, output, send, type Context } from '../context.js';
import { EXIT, type ExitCode } from '../errors.js';
import { table } from '../table.js';

/** `status ID [--watch]`: exit 1 when the batch is (or ends) in error. */
export async function statusCommand(
  ctx: Context,
  id: string,
  options: { watch: boolean },
): Promise<ExitCode> {
  let last = '';
  const final = options.watch
    ? await waitForBatch(ctx, id, (s) => {
        const line = `${s.status} ${s.progress}%`;
        if (line !== last) {
          last = line;
          ctx.log(line);
        }
      })
    : await batchStatus(ctx, id);
  output(ctx, final, () => describeStatus(final));
  return final.status === 'error' ? EXIT.failed : EXIT.ok;
}

function describeStatus(s: BatchStatusBody): string {
  const counts = `rows read ${s.rowsRead}, records ${s.recordsLoaded}, invalid rows ${s.invalidRows}`;
  return `${s.id}  ${s.status}  ${s.progress}%  (${counts})${s.errorMessage ? `\nerror: ${s.errorMessage}` : ''}`;
}

export interface ListOptions {
  status?: BatchStatus;
  page: number;
  limit: number;
}

/** `ls`: one page of your batches, newest first. */
export async function listCommand(ctx: Context, options: ListOptions): Promise<ExitCode> {
  const query = {
    page: options.page,
    limit: options.limit,
    ...(options.status && { status: options.status }),
  };
  const page = dataOf(await send(ctx, () => ctx.client.GET('/api/batches', { params: { query } })));
  output(ctx, page, () => {
    const rows = page.batches.map((b) => [
      b.id,
      b.status,
      String(b.recordsLoaded),
      String(b.invalidRows),
      b.createdAt,
      b.fileName,
    ]);
    const pages = Math.max(1, Math.ceil(page.total / page.limit));
    return `${table(['ID', 'STATUS', 'RECORDS', 'INVALID', 'CREATED', 'FILE'], rows)}\npage ${page.page} of ${pages} (${page.total} batches)`;
  });
  return EXIT.ok;
}

/** `stats`: how many of your batches are in each status. */
export async function statsCommand(ctx: Context): Promise<ExitCode> {
  const stats = dataOf(await send(ctx, () => ctx.client.GET('/api/batches/stats')));
  output(ctx, stats, () =>
    table(
      ['STATUS', 'BATCHES'],
      Object.entries(stats).map(([k, v]) => [k, String(v)]),
    ),
  );
  return EXIT.ok;
}

/** `recent`: your latest batches. */
export async function recentCommand(ctx: Context, options: { limit: number }): Promise<ExitCode> {
  const query = { limit: options.limit };
  const batches = dataOf(await send(ctx, () => ctx.client.GET('/api/batches/recent', { params: { query } })));
  output(ctx, batches, () =>
    table(
      ['ID', 'STATUS', 'UPDATED', 'FILE'],
      batches.map((b) => [b.id, b.status, b.updatedAt, b.fileName]),
    ),
  );
  return EXIT.ok;
}
