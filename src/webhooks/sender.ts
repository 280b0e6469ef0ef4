import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebhookTargetRefusedError } from '../errors.js';
import { addressRefusal, checkTargetUrl, guardedLookup, hostOf, type TargetPolicy } from './targetGuard.js';

/** What one POST brought back; `error` says why there is no status (network, timeout, refused). */
export interface SendResult {
  statusCode: number | null;
  retryAfter: string | null;
  /** The first 1 KiB of the answer's body. */
  response: string | null;
  error: string | null;
  durationMs: number;
}

export interface SendOptions {
  timeoutMs: number;
  policy: TargetPolicy;
}

/** How much of an answer is kept for the delivery log. */
export const RESPONSE_EXCERPT_BYTES = 1024;

/**
 * POSTs `body` to `url` once. The SSRF guard runs on every attempt: the URL's form, then an IP
 * literal directly or every address a name resolves to (guardedLookup), before any connection;
 * a fresh connection each time (`agent: false`), so no pooled socket skips the check. Redirects
 * are not followed (node:http never does): a 3xx is just a status. The whole attempt, answer
 * included, must finish within `timeoutMs`.
 */
export async function sendWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: SendOptions,
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const target = checkTargetUrl(url, options.policy);
    const host = hostOf(target);
    const literalRefusal = isIP(host) ? addressRefusal(host, options.policy) : null;
    if (literalRefusal !== null) {
      throw new WebhookTargetRefusedError(literalRefusal);
    }
    const answer = await post(target, headers, body, options);
    return { ...answer, error: null, durationMs: elapsed() };
  } catch (error) {
    return {
      statusCode: null,
      retryAfter: null,
      response: null,
      error: describe(error),
      durationMs: elapsed(),
    };
  }
}

function describe(error: unknown): string {
  if (error instanceof WebhookTargetRefusedError) {
    return `refused by the SSRF guard: ${error.message}`;
  }
  const e = error as NodeJS.ErrnoException;
  return (e.code ? `${e.code}: ` : '') + (e.message || String(error)).slice(0, 500);
}

function post(
  target: URL,
  headers: Record<string, string>,
  body: string,
  { timeoutMs, policy }: SendOptions,
): Promise<Omit<SendResult, 'error' | 'durationMs'>> {
  return new Promise((resolve, reject) => {
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, {
      method: 'POST',
      agent: false,
      lookup: guardedLookup(policy),
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'Batchport-Webhooks/1',
      },
    });
    const timer = setTimeout(
      () =>
        request.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.on('response', (response: IncomingMessage) => {
      readExcerpt(response)
        .then((excerpt) => {
          clearTimeout(timer);
          const retryAfter = response.headers['retry-after'];
          resolve({
            statusCode: response.statusCode ?? null,
            retryAfter: retryAfter ?? null,
            response: excerpt,
          });
          request.destroy(); // the rest of the answer is not needed
        })
        .catch((error: Error) => {
          clearTimeout(timer);
          reject(error);
        });
    });
    request.end(body);
  });
}

/** Reads the answer until 1 KiB or its end, whichever comes first. */
function readExcerpt(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8'));
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= RESPONSE_EXCERPT_BYTES) {
        response.removeAllListeners('end');
        done();
      }
    });
    response.on('end', done);
    response.on('error', reject);
    response.on('aborted', () => reject(new Error('the answer was cut off')));
  });
}
