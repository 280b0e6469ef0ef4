import { parse } from 'csv-parse/sync';
import { readFile, stat } from 'node:fs/promises';
import { csvLine } from '../../parsing/csvOutput.js';
import { MAX_FIX_CSV_BYTES, MAX_FIX_ROWS } from '../../services/fixes/fixLimits.js';
import { dataOf, output, send, type Context } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../errors.js';
import { table } from '../table.js';

/** A corrected errors.csv larger than this is refused before reading (100 parts of the API's limit). */
const MAX_LOCAL_BYTES = 100 * MAX_FIX_CSV_BYTES;

interface RowResult {
  row: number;
  status: string;
  reasons: string[];
}

/**
 * The corrected errors.csv in parts the API takes (at most MAX_FIX_ROWS rows each), each with the
 * heading line. Cells are written back with the same csvLine that wrote errors.csv: a cell that
 * still carries its formula guard starts with `'`, so it is not guarded twice.
 */
export function fixParts(text: string): string[] {
  const lines: string[][] = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true });
  const [header, ...rows] = lines;
  if (!header || rows.length === 0) {
    throw new CliError(
      'the file has no rows to fix (expected errors.csv with its cells corrected)',
      EXIT.usage,
    );
  }
  const parts: string[] = [];
  for (let start = 0; start < rows.length; start += MAX_FIX_ROWS) {
    parts.push([header, ...rows.slice(start, start + MAX_FIX_ROWS)].map((cells) => csvLine(cells)).join(''));
  }
  return parts;
}

/** `fix ID FILE [--dry-run]`: sends a corrected errors.csv; exit 1 when any row was refused. */
export async function fixCommand(
  ctx: Context,
  id: string,
  file: string,
  options: { dryRun?: boolean },
): Promise<ExitCode> {
  if ((await stat(file)).size > MAX_LOCAL_BYTES) {
    throw new CliError(`${file} is over ${MAX_LOCAL_BYTES / 1024 / 1024} MiB; is it errors.csv?`, EXIT.usage);
  }
  const results: RowResult[] = [];
  let fixed = 0;
  for (const part of fixParts(await readFile(file, 'utf8'))) {
    const answer = dataOf(
      await send(ctx, () => {
        const form = new FormData();
        form.append('file', new Blob([part], { type: 'text/csv' }), 'errors.csv');
        return ctx.client.POST('/api/batches/{id}/fixes', {
          params: { path: { id }, query: { dryRun: options.dryRun ?? false } },
          body: form as never,
          bodySerializer: (body: unknown) => body as BodyInit,
        });
      }),
    );
    fixed += answer.fixed;
    results.push(...answer.rows.map(({ row, status, reasons }) => ({ row, status, reasons })));
  }
  const refused = results.filter((r) => r.status === 'invalid');
  output(ctx, { id, dryRun: options.dryRun ?? false, fixed, rows: results }, () =>
    [
      `${options.dryRun ? 'would fix' : 'fixed'} ${options.dryRun ? results.length - refused.length : fixed} row(s); ${refused.length} refused`,
      ...(refused.length > 0
        ? [
            table(
              ['ROW', 'REASONS'],
              refused.map((r) => [String(r.row), r.reasons.join('; ')]),
            ),
          ]
        : []),
    ].join('\n'),
  );
  return refused.length > 0 ? EXIT.failed : EXIT.ok;
}
