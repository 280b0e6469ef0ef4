import { dataOf, output, send, type Context } from '../context.js';
import { EXIT, type ExitCode } from '../errors.js';

/** `rm ID`: deletes the batch, its file and its records. */
export async function removeCommand(ctx: Context, id: string): Promise<ExitCode> {
  await send(ctx, () => ctx.client.DELETE('/api/batches/{id}', { params: { path: { id } } }));
  output(ctx, { id, deleted: true }, () => `deleted ${id}`);
  return EXIT.ok;
}

/** `retry ID`: re-queues a batch that ended in error. */
export async function retryCommand(ctx: Context, id: string): Promise<ExitCode> {
  const answer = dataOf(
    await send(ctx, () => ctx.client.POST('/api/batches/{id}/retry', { params: { path: { id } } })),
  );
  output(ctx, answer, () => `${answer.id} ${answer.status}: ${answer.message}`);
  return EXIT.ok;
}
