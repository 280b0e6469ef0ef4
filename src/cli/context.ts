import { createBatchportClient, type BatchportClient } from '../client/index.js';
import { isLoopbackName } from '../loopbackHost.js';
import { CliError, EXIT, unreachable, usageError } from './errors.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.js';

export interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

export interface Context {
  client: BatchportClient;
  baseUrl: string;
  json: boolean;
  retry: RetryPolicy;
  /** Diagnostics and progress go to stderr so stdout stays the command's result (pipeable). */
  log: (line: string) => void;
}

export const DEFAULT_URL = 'http://localhost:3000';

export interface ContextSources {
  /** The token came from `--token` on the command line (not BATCHPORT_TOKEN). */
  tokenOnCommandLine?: boolean;
  /** Where warnings go; stderr by default. */
  warn?: (line: string) => void;
}

/**
 * Flags win over the environment; a missing token or a malformed URL is a usage error (exit 2).
 * Risky but legal choices are warned about on stderr: a token in argv (other users of the machine
 * see it in `ps`, and it lands in shell history) and plain http:// to another machine (the token
 * and the contact data cross the network unencrypted).
 */
export function contextFrom(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv = process.env,
  sources: ContextSources = {},
): Context {
  const warn = sources.warn ?? ((line: string) => process.stderr.write(`batchport: warning: ${line}\n`));
  const baseUrl = options.url ?? env['BATCHPORT_URL'] ?? DEFAULT_URL;
  const token = options.token ?? env['BATCHPORT_TOKEN'];
  if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) {
    throw usageError(`--url must be an http(s) URL, got ${JSON.stringify(baseUrl)}`);
  }
  if (!token) {
    throw usageError(
      'no token: pass --token or set BATCHPORT_TOKEN (npm run token prints one for development)',
    );
  }
  if (sources.tokenOnCommandLine) {
    warn(
      '--token on the command line is visible to other users (ps) and kept in shell history; set BATCHPORT_TOKEN instead',
    );
  }
  const url = new URL(baseUrl);
  if (url.protocol === 'http:' && !isLoopbackName(url.hostname)) {
    warn(
      `${url.host} is reached over plain http: the token and the contact data travel unencrypted; use https://`,
    );
  }
  return {
    client: createBatchportClient({ baseUrl, token }),
    baseUrl,
    json: options.json === true,
    retry: DEFAULT_RETRY,
    log: (line) => process.stderr.write(`${line}\n`),
  };
}

interface Answer {
  error?: unknown;
  response: Response;
}

/**
 * Sends a request (again, after a 429/503, honouring Retry-After) and turns "no answer at all" into
 * exit 3 and an error answer into exit 1 with the API's own message.
 */
export async function send<T extends Answer>(ctx: Context, request: () => Promise<T>): Promise<T> {
  let answer: T;
  try {
    answer = await withRetry(request, {
      policy: ctx.retry,
      onWait: (ms) => ctx.log(`server busy; retrying in ${Math.ceil(ms / 1000)} s`),
    });
  } catch (error) {
    if (error instanceof TypeError) {
      throw unreachable(ctx.baseUrl, error);
    }
    throw error;
  }
  if (!answer.response.ok) {
    throw new CliError(`${answer.response.status}: ${apiMessage(answer.error)}`, EXIT.failed);
  }
  return answer;
}

/** The data of a successful answer (every route the CLI reads declares a JSON body). */
export function dataOf<D>(answer: { data?: D }): D {
  if (answer.data === undefined) {
    throw new CliError('the API answered without a body', EXIT.failed);
  }
  return answer.data;
}

function apiMessage(error: unknown): string {
  const message = (error as { error?: { message?: unknown } } | undefined)?.error?.message;
  if (typeof message === 'string') {
    return message;
  }
  return typeof error === 'string' && error !== '' ? error : 'request failed';
}

/** Prints a command's result: JSON for scripts, else the human rendering. */
export function output(ctx: Context, value: unknown, human: () => string): void {
  process.stdout.write(ctx.json ? `${JSON.stringify(value)}\n` : `${human()}\n`);
}
