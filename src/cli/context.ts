import { createBatchportClient, type BatchportClient } from '../client/index.js';
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

/** Flags win over the environment; a missing token or a malformed URL is a usage error (exit 2). */
export function contextFrom(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Context {
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
