import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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

/** An idle connection is closed after this: below the 5 s keep-alive of common servers (Node's too). */
const IDLE_CONNECTION_MS = 4_000;

const agents = new Map<string, HttpAgent>();

/**
 * Keep-alive connections, one pool per protocol and SSRF policy. A connection is only ever opened
 * through guardedLookup, or to an IP literal checked before the request, so every pooled socket is
 * one the guard let through under the same policy; reusing it reaches the address that was checked
 * (a name that resolves elsewhere later gets a new, checked connection). Before, every attempt
 * opened a fresh connection (a TCP, for https a TLS, handshake per delivery).
 */
function agentFor(protocol: string, policy: TargetPolicy): HttpAgent {
  const key = `${protocol} ${policy.allowPrivate} ${policy.allowHttp}`;
  let agent = agents.get(key);
  if (agent === undefined) {
    // `timeout` ends idle pooled sockets only: node's agent destroys a socket on timeout only
    // while it is free; an attempt's own deadline is the timer in post().
    const options = {
      keepAlive: true,
      timeout: IDLE_CONNECTION_MS,
      maxFreeSockets: 16,
      scheduling: 'lifo' as const,
    };
    agent = protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
    agents.set(key, agent);
  }
  return agent;
}

/**
 * POSTs `body` to `url` once. The SSRF guard runs on every attempt: the URL's form, then an IP
 * literal directly or every address a name resolves to (guardedLookup), before any new
 * connection (a pooled one was checked when it was opened: agentFor). Redirects are not followed
 * (node:http never does): a 3xx is just a status. The whole attempt, answer included, must finish
 * within `timeoutMs`. A pooled connection the receiver closed just as it was reused (reset before
 * any answer) is the one case sent again, once, on a new connection: the request never reached
 * the receiver's application, and receivers deduplicate by webhook-id anyway.
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
    let answer;
    try {
      answer = await post(target, headers, body, options);
    } catch (error) {
      if (!(error instanceof StaleConnectionError)) {
        throw error;
      }
      // A fresh connection (still through the guard): another pooled one may be just as stale.
      const rest = { ...options, timeoutMs: options.timeoutMs - elapsed() };
      answer = await post(target, headers, body, rest, false);
    }
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
  pooled = true,
): Promise<Omit<SendResult, 'error' | 'durationMs'>> {
  return new Promise((resolve, reject) => {
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, {
      method: 'POST',
      agent: pooled ? agentFor(target.protocol, policy) : false,
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
    let answered = false;
    request.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const stale =
        request.reusedSocket && !answered && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
      reject(stale ? new StaleConnectionError(error) : error);
    });
    request.on('response', (response: IncomingMessage) => {
      answered = true;
      readExcerpt(response)
        .then((excerpt) => {
          clearTimeout(timer);
          const retryAfter = response.headers['retry-after'];
          resolve({
            statusCode: response.statusCode ?? null,
            retryAfter: retryAfter ?? null,
            response: excerpt,
          });
          if (!response.complete) {
            request.destroy(); // the rest of the answer is not needed (nor is this connection)
          }
        })
        .catch((error: Error) => {
          clearTimeout(timer);
          reject(error);
        });
    });
    request.end(body);
  });
}

/** A pooled connection reset before any answer: the receiver closed it as it was reused. */
class StaleConnectionError extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}

/**
 * Reads the answer until 1 KiB or its end, whichever comes first. No listener of the response is
 * removed: node's own 'end' listener hands a kept-alive connection back to its pool.
 */
function readExcerpt(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const done = () => {
      if (!settled) {
        settled = true;
        resolve(Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString('utf8'));
      }
    };
    response.on('data', (chunk: Buffer) => {
      if (settled) {
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
      if (size >= RESPONSE_EXCERPT_BYTES) {
        done();
      }
    });
    response.on('end', done);
    response.on('error', reject);
    response.on('aborted', () => reject(new Error('the answer was cut off')));
  });
}
