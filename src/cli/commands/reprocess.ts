import { readFile, stat } from 'node:fs/promises';
import { MAX_OPTION_FIELD_BYTES } from '../../validators/uploadOptions.js';
import { dataOf, output, send, type Context } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../errors.js';

/** The mapping file: a JSON object of column header -> contact field (or null); the API checks the rest. */
async function readMapping(file: string): Promise<Record<string, string | null>> {
  if ((await stat(file)).size > MAX_OPTION_FIELD_BYTES) {
    throw new CliError(`${file} is over ${MAX_OPTION_FIELD_BYTES / 1024} KiB; is it a mapping?`, EXIT.usage);
  }
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new CliError(`${file} is not JSON (${(error as Error).message})`, EXIT.usage);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CliError(
      `${file} must hold a JSON object of column header -> field name (or null)`,
      EXIT.usage,
    );
  }
  return value as Record<string, string | null>;
}

/**
 * `reprocess ID [--mapping FILE] [--region XX]`: reads the batch's stored file again (issue #21).
 * An option not given keeps the batch's. Prints the answer, with the fixes the re-read drops.
 */
export async function reprocessCommand(
  ctx: Context,
  id: string,
  options: { mapping?: string; region?: string },
): Promise<ExitCode> {
  const body = {
    ...(options.mapping !== undefined && { mapping: await readMapping(options.mapping) }),
    ...(options.region !== undefined && { phoneRegion: options.region.toUpperCase() }),
  };
  const answer = dataOf(
    await send(ctx, () =>
      ctx.client.POST('/api/batches/{id}/reprocess', { params: { path: { id } }, body: body as never }),
    ),
  );
  output(
    ctx,
    answer,
    () =>
      `${answer.id} ${answer.status}: ${answer.message}` +
      (answer.droppedFixes > 0 ? ` (${answer.droppedFixes} fix(es) of the previous reading dropped)` : ''),
  );
  return EXIT.ok;
}
