import { basename } from 'node:path';
import { batchStatus, waitForBatch } from '../batches.js';
import { send, dataOf, type Context } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../errors.js';
import { collectFiles, type LocalFile } from '../files.js';
import { contentKey, multipartFile } from '../multipart.js';
import { progressReporter, type FileProgress } from '../progress.js';
import { table } from '../table.js';

export interface UploadOptions {
  parallel: number;
  wait: boolean;
}

export interface UploadRow {
  file: string;
  batchId: string | null;
  /** The batch status, or `rejected` when the API refused the file. */
  status: string;
  replayed: boolean;
  recordsLoaded: number | null;
  invalidRows: number | null;
  message: string | null;
}

/** `upload FILE|DIR…`: every file through the same bounded pool; exit 1 if any ends in error. */
export async function uploadCommand(
  ctx: Context,
  paths: string[],
  options: UploadOptions,
): Promise<ExitCode> {
  const files = await collectFiles(paths);
  const interactive = !ctx.json && process.stdout.isTTY && process.stderr.isTTY;
  const reporter = progressReporter(interactive, ctx.log);
  let rows: UploadRow[];
  try {
    rows = await inPool(files, options.parallel, (file) =>
      uploadOne(ctx, file, reporter.file(basename(file.path), file.size), options.wait),
    );
  } finally {
    reporter.stop();
  }
  process.stdout.write(ctx.json ? `${JSON.stringify(rows)}\n` : `${summary(rows)}\n`);
  return rows.some((row) => row.status === 'error' || row.status === 'rejected') ? EXIT.failed : EXIT.ok;
}

async function uploadOne(
  ctx: Context,
  file: LocalFile,
  progress: FileProgress,
  wait: boolean,
): Promise<UploadRow> {
  const key = await contentKey(file.path);
  const row: UploadRow = {
    file: file.path,
    batchId: null,
    status: 'rejected',
    replayed: false,
    recordsLoaded: null,
    invalidRows: null,
    message: null,
  };
  try {
    const answer = await send(ctx, () => {
      // Built per attempt: a streamed body can be sent only once.
      const upload = multipartFile(file.path, file.size, (bytes) => progress.sent(bytes));
      return ctx.client.POST('/api/batches/upload', {
        params: { header: { 'idempotency-key': key } },
        // The body is serialised here (streamed multipart), so openapi-fetch passes it through as is.
        body: upload.body as never,
        bodySerializer: (body: unknown) => body as BodyInit,
        headers: { 'content-type': upload.contentType, 'content-length': String(upload.contentLength) },
        duplex: 'half',
      });
    });
    const created = dataOf(answer);
    row.batchId = created.id;
    row.replayed = answer.response.headers.get('idempotent-replayed') === 'true';
    progress.uploaded(created.id, row.replayed);
    const final = wait
      ? await waitForBatch(ctx, created.id, (s) => progress.processing(s.status, s.progress))
      : await batchStatus(ctx, created.id);
    Object.assign(row, {
      status: final.status,
      recordsLoaded: final.recordsLoaded,
      invalidRows: final.invalidRows,
      message: final.errorMessage ?? null,
    });
  } catch (error) {
    // One refused file must not stop the others; an unreachable server stops everything.
    if (!(error instanceof CliError) || error.exitCode !== EXIT.failed) {
      throw error;
    }
    row.message = error.message;
  }
  progress.finished(row.status, row.message);
  return row;
}

/** Runs `task` over `items` with at most `size` at a time, keeping the results in input order. */
export async function inPool<T, R>(
  items: readonly T[],
  size: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return results;
}

function summary(rows: readonly UploadRow[]): string {
  return table(
    ['FILE', 'BATCH', 'STATUS', 'RECORDS', 'INVALID', 'NOTE'],
    rows.map((row) => [
      row.file,
      row.batchId ?? '-',
      row.status,
      row.recordsLoaded === null ? '-' : String(row.recordsLoaded),
      row.invalidRows === null ? '-' : String(row.invalidRows),
      row.message ?? (row.replayed ? 'already uploaded (same content)' : ''),
    ]),
  );
}
