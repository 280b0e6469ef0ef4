import { Command, CommanderError, Option } from 'commander';
import { BATCH_STATUSES, RECORD_FORMATS, batchId, intInRange, oneOf } from './args.js';
import { contextFrom, DEFAULT_URL, type Context, type GlobalOptions } from './context.js';
import { errorsCommand, recordsCommand, type ExportOptions } from './commands/export.js';
import {
  listCommand,
  recentCommand,
  statsCommand,
  statusCommand,
  type ListOptions,
} from './commands/inspect.js';
import { fixCommand } from './commands/fix.js';
import { removeCommand, retryCommand } from './commands/manage.js';
import { uploadCommand, type UploadOptions } from './commands/upload.js';
import { CliError, EXIT, type ExitCode } from './errors.js';

/**
 * The `batchport` program. Commands set `process.exitCode`, so the process ends on its own once
 * output is flushed (no `process.exit` cutting a piped export short).
 */
export function buildProgram(): Command {
  const program = new Command('batchport')
    .description('Upload contact files to Batchport and follow them until they are records.')
    .addOption(new Option('--url <url>', `API base URL (default ${DEFAULT_URL})`).env('BATCHPORT_URL'))
    .addOption(new Option('--token <jwt>', 'bearer token').env('BATCHPORT_TOKEN'))
    .option('--json', 'print machine-readable JSON on stdout')
    .showHelpAfterError()
    .exitOverride();

  const command = (name: string, description: string) =>
    program.command(name).description(description).exitOverride();
  // Commander calls an action with (...arguments, options, command); the context comes from the
  // global options, which may stand before or after the command name.
  const act =
    <A extends unknown[]>(action: (ctx: Context, ...args: A) => Promise<ExitCode>) =>
    async (...args: unknown[]) => {
      const self = args[args.length - 1] as Command;
      const ctx = contextFrom(self.optsWithGlobals<GlobalOptions>());
      process.exitCode = await action(ctx, ...(args.slice(0, -1) as A));
    };

  command('upload', 'upload files, and every supported file (.csv .txt .vcf .xls .xlsx) in directories')
    .argument('<paths...>', 'files or directories')
    .option('--parallel <n>', 'uploads at a time', intInRange(1, 16), 3)
    .option('--no-wait', 'return once uploaded, without waiting for processing')
    .action(act((ctx, paths: string[], o: UploadOptions) => uploadCommand(ctx, paths, o)));
  command('status', 'processing status of a batch')
    .argument('<id>', 'batch id', batchId)
    .option('--watch', 'follow until the batch is loaded or in error', false)
    .action(act((ctx, id: string, o: { watch: boolean }) => statusCommand(ctx, id, o)));
  command('ls', 'list your batches, newest first')
    .addOption(
      new Option('--status <status>', 'only batches in this status').argParser(oneOf(BATCH_STATUSES)),
    )
    .option('--page <n>', 'page number', intInRange(1, 100_000), 1)
    .option('--limit <n>', 'batches per page', intInRange(1, 100), 20)
    .action(act((ctx, o: ListOptions) => listCommand(ctx, o)));
  command('stats', 'how many of your batches are in each status').action(act((ctx) => statsCommand(ctx)));
  command('recent', 'your most recent batches')
    .option('--limit <n>', 'how many', intInRange(1, 50), 10)
    .action(act((ctx, o: { limit: number }) => recentCommand(ctx, o)));
  command('records', 'the contact records of a batch (stdout unless -o)')
    .argument('<id>', 'batch id', batchId)
    .option('--format <format>', `one of ${RECORD_FORMATS.join(', ')}`, oneOf(RECORD_FORMATS), 'jsonl')
    .option('-o, --output <file>', 'write to this file')
    .action(act((ctx, id: string, o: ExportOptions) => recordsCommand(ctx, id, o)));
  command('errors', 'rows that could not become contacts, as CSV (stdout unless -o)')
    .argument('<id>', 'batch id', batchId)
    .option('-o, --output <file>', 'write to this file')
    .action(act((ctx, id: string, o: { output?: string }) => errorsCommand(ctx, id, o)));
  command('fix', 'send a corrected errors.csv: fixed rows become records (exit 1 if any is refused)')
    .argument('<id>', 'batch id', batchId)
    .argument('<file>', 'errors.csv of the batch with its cells corrected')
    .option('--dry-run', 'only check the rows; nothing is stored')
    .action(act((ctx, id: string, file: string, o: { dryRun?: boolean }) => fixCommand(ctx, id, file, o)));
  command('rm', 'delete a batch, its file and its records')
    .argument('<id>', 'batch id', batchId)
    .action(act((ctx, id: string) => removeCommand(ctx, id)));
  command('retry', 're-queue a batch that ended in error')
    .argument('<id>', 'batch id', batchId)
    .action(act((ctx, id: string) => retryCommand(ctx, id)));
  return program;
}

/** Parses argv and runs the command; every failure becomes a message on stderr and an exit code. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.exitCode = exitCodeOf(error);
    if (error instanceof CliError) {
      process.stderr.write(`batchport: ${error.message}\n`);
    } else if (!(error instanceof CommanderError)) {
      // Commander has already printed its own message; anything else is unexpected.
      process.stderr.write(`batchport: ${(error as Error).stack ?? String(error)}\n`);
    }
  }
}

export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CliError) {
    return error.exitCode;
  }
  if (error instanceof CommanderError) {
    // --help and --version end the program successfully; every other commander error is usage.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  return EXIT.failed;
}
