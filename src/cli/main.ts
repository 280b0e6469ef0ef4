import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { BATCH_STATUSES, RECORD_FORMATS, batchId, intInRange, oneOf, uuidOf } from './args.js';
import { contextFrom, DEFAULT_URL, type Context, type GlobalOptions } from './context.js';
import { errorsCommand, recordsCommand, type ExportOptions } from './commands/export.js';
import {
  listCommand,
  recentCommand,
  statsCommand,
  statusCommand,
  type ListOptions,
} from './commands/inspect.js';
import { listenCommand } from './commands/listen.js';
import { fixCommand } from './commands/fix.js';
import { removeCommand, retryCommand } from './commands/manage.js';
import { reprocessCommand } from './commands/reprocess.js';
import {
  addWebhookCommand,
  deliveriesCommand,
  listWebhooksCommand,
  removeWebhookCommand,
  replayCommand,
  rotateWebhookCommand,
  testWebhookCommand,
  type DeliveriesOptions,
} from './commands/webhooks.js';
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
      const ctx = contextFrom(self.optsWithGlobals<GlobalOptions>(), process.env, {
        tokenOnCommandLine: self.getOptionValueSourceWithGlobals('token') === 'cli',
      });
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
  command(
    'reprocess',
    'read the stored file of a loaded or failed batch again, with another mapping or region',
  )
    .argument('<id>', 'batch id', batchId)
    .option('--mapping <file>', "JSON file: column header -> contact field (or null); default: the batch's")
    .option('--region <code>', "phone region (ISO 3166-1 alpha-2, e.g. DE); default: the batch's")
    .action(act((ctx, id: string, o: { mapping?: string; region?: string }) => reprocessCommand(ctx, id, o)));
  addWebhookCommands(program, act);
  program
    .command('listen')
    .description('a local webhook receiver: verifies each signature and prints the events (no token needed)')
    .requiredOption('--secret <whsec>', 'the endpoint secret (whsec_…)', webhookSecret)
    .option('--port <n>', 'port to listen on (0: any free port)', intInRange(0, 65_535), 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .exitOverride()
    .action(async (o: { secret: string; port: number; host: string }, self: Command) => {
      const json = self.optsWithGlobals<GlobalOptions>().json === true;
      process.exitCode = await listenCommand({ ...o, json });
    });
  return program;
}

const WEBHOOK_EVENTS = [
  'batch.loaded',
  'batch.failed',
  'batch.deleted',
  'batch.updated',
  'webhook.test',
] as const;

function webhookSecret(value: string): string {
  if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    throw new InvalidArgumentError('must be the whsec_… secret the API gave');
  }
  return value;
}

function eventList(value: string): string[] {
  return value.split(',').map((event) => oneOf(WEBHOOK_EVENTS)(event.trim()));
}

/** `batchport webhooks add|ls|rm|rotate|test|deliveries|replay`. */
function addWebhookCommands(
  program: Command,
  act: <A extends unknown[]>(
    action: (ctx: Context, ...args: A) => Promise<ExitCode>,
  ) => (...args: unknown[]) => Promise<void>,
): void {
  const webhooks = program
    .command('webhooks')
    .description('webhook endpoints: the hand-off to card generation');
  const sub = (name: string, description: string) =>
    webhooks.command(name).description(description).exitOverride();
  sub('add', 'register an endpoint; prints its signing secret once')
    .argument('<url>', 'where events are POSTed')
    .option('--events <list>', `comma-separated: ${WEBHOOK_EVENTS.join(', ')} (default: all)`, eventList)
    .option('--description <text>', 'a note for you')
    .action(
      act((ctx, url: string, o: { events?: string[]; description?: string }) =>
        addWebhookCommand(ctx, url, o),
      ),
    );
  sub('ls', 'your webhook endpoints').action(act((ctx) => listWebhooksCommand(ctx)));
  sub('rm', 'delete an endpoint and its delivery log')
    .argument('<id>', 'endpoint id', uuidOf('an endpoint id'))
    .action(act((ctx, id: string) => removeWebhookCommand(ctx, id)));
  sub('rotate', 'a new signing secret (the old one still signs during the overlap)')
    .argument('<id>', 'endpoint id', uuidOf('an endpoint id'))
    .action(act((ctx, id: string) => rotateWebhookCommand(ctx, id)));
  sub('test', 'send a webhook.test event now')
    .argument('<id>', 'endpoint id', uuidOf('an endpoint id'))
    .action(act((ctx, id: string) => testWebhookCommand(ctx, id)));
  sub('deliveries', 'the delivery log, newest first')
    .argument('<id>', 'endpoint id', uuidOf('an endpoint id'))
    .addOption(
      new Option('--state <state>', 'only this state').argParser(oneOf(['pending', 'delivered', 'failed'])),
    )
    .option('--limit <n>', 'deliveries per page', intInRange(1, 100), 20)
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .action(act((ctx, id: string, o: DeliveriesOptions) => deliveriesCommand(ctx, id, o)));
  sub('replay', 'send one delivery again (same webhook-id), or every failed one since --since')
    .argument('<id>', 'endpoint id', uuidOf('an endpoint id'))
    .argument(
      '[delivery-id]',
      'the delivery (webhook-id); absent: every failed delivery',
      uuidOf('a delivery id'),
    )
    .option(
      '--since <time>',
      'with no delivery id: failed deliveries created since this ISO time (default: all)',
      isoTime,
    )
    .action(
      act((ctx, id: string, deliveryId: string | undefined, o: { since?: string }) =>
        replayCommand(ctx, id, deliveryId, o),
      ),
    );
}

function isoTime(value: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time)) {
    throw new InvalidArgumentError('must be a time such as 2026-01-31T12:00:00Z');
  }
  return new Date(time).toISOString();
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
