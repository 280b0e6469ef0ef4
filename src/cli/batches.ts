import type { paths } from '../client/index.js';
import { dataOf, send, type Context } from './context.js';

export type BatchStatusBody =
  paths['/api/batches/{id}/status']['get']['responses'][200]['content']['application/json'];

const FINAL = new Set(['loaded', 'error']);
export const POLL_MS = 300;

export async function batchStatus(ctx: Context, id: string): Promise<BatchStatusBody> {
  return dataOf(
    await send(ctx, () => ctx.client.GET('/api/batches/{id}/status', { params: { path: { id } } })),
  );
}

/** Polls a batch until it is loaded or in error, reporting every status/progress it passes through. */
export async function waitForBatch(
  ctx: Context,
  id: string,
  onChange: (status: BatchStatusBody) => void,
): Promise<BatchStatusBody> {
  for (;;) {
    const status = await batchStatus(ctx, id);
    onChange(status);
    if (FINAL.has(status.status)) {
      return status;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
