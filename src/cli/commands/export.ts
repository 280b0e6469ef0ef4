import { once } from 'node:events';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { RecordFormat } from '../args.js';
import { dataOf, output, send, type Context } from '../context.js';
import { EXIT, type ExitCode } from '../errors.js';
import { openOutputFile } from '../outputFile.js';

/** The largest page the records route serves; fewer round trips for big batches. */
const PAGE_SIZE = 1000;

export interface ExportOptions {
  format: RecordFormat;
  output?: string;
}

/**
 * `records ID`: csv and vcf come streamed from the export routes; jsonl pages through the records
 * route, one line per record. Either way one page at most is held in memory.
 */
export async function recordsCommand(ctx: Context, id: string, options: ExportOptions): Promise<ExitCode> {
  const target = options.output ? openOutputFile(options.output) : process.stdout;
  let count: number | null = null;
  if (options.format === 'jsonl') {
    count = await writeJsonLines(ctx, id, target);
  } else {
    const path = options.format === 'csv' ? '/api/batches/{id}/records.csv' : '/api/batches/{id}/records.vcf';
    await copy(
      await download(ctx, () => ctx.client.GET(path, { params: { path: { id } }, parseAs: 'stream' })),
      target,
    );
  }
  await finish(target);
  reportFile(ctx, options.output, { id, format: options.format, records: count });
  return EXIT.ok;
}

/** `errors ID`: the rows that could not become contacts, as CSV. */
export async function errorsCommand(
  ctx: Context,
  id: string,
  options: { output?: string },
): Promise<ExitCode> {
  const target = options.output ? openOutputFile(options.output) : process.stdout;
  const body = await download(ctx, () =>
    ctx.client.GET('/api/batches/{id}/errors.csv', { params: { path: { id } }, parseAs: 'stream' }),
  );
  await copy(body, target);
  await finish(target);
  reportFile(ctx, options.output, { id, format: 'csv' });
  return EXIT.ok;
}

async function writeJsonLines(ctx: Context, id: string, target: Writable): Promise<number> {
  let cursor: string | undefined;
  let count = 0;
  do {
    const query = { limit: PAGE_SIZE, ...(cursor !== undefined && { cursor }) };
    const page = dataOf(
      await send(ctx, () => ctx.client.GET('/api/batches/{id}/records', { params: { path: { id }, query } })),
    );
    for (const record of page.records) {
      // Respect backpressure so a slow consumer (a pipe) never makes the CLI buffer the batch.
      if (!target.write(`${JSON.stringify(record)}\n`)) {
        await once(target, 'drain');
      }
    }
    count += page.records.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return count;
}

async function download(
  ctx: Context,
  request: () => Promise<{ response: Response; error?: unknown }>,
): Promise<WebReadableStream<Uint8Array>> {
  const answer = await send(ctx, request);
  if (!answer.response.body) {
    throw new Error('the API answered without a body');
  }
  return answer.response.body as WebReadableStream<Uint8Array>;
}

function copy(body: WebReadableStream<Uint8Array>, target: Writable): Promise<void> {
  // stdout must stay open for whatever the process prints next; a file is closed at the end.
  return pipeline(Readable.fromWeb(body), target, { end: target !== process.stdout });
}

async function finish(target: Writable): Promise<void> {
  if (target !== process.stdout && !target.writableFinished) {
    target.end();
    await once(target, 'finish');
  }
}

function reportFile(ctx: Context, path: string | undefined, summary: Record<string, unknown>): void {
  if (path !== undefined) {
    output(ctx, { ...summary, file: path }, () => `wrote ${path}`);
  }
}
