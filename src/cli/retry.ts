/** Answers worth retrying: the server asked the client to slow down or come back shortly. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 503]);

export interface RetryPolicy {
  /** Total attempts including the first. */
  attempts: number;
  /** Used when the answer has no usable Retry-After; doubled per attempt. */
  fallbackMs: number;
  /** Upper bound on one wait, so a hostile or mistaken Retry-After cannot stall the CLI for hours. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, fallbackMs: 1_000, maxDelayMs: 60_000 };

/**
 * How long to wait before attempt `attempt + 1`, from a Retry-After header (delta-seconds or an
 * HTTP-date, RFC 9110 §10.2.3); `attempt` counts from 1.
 */
export function retryDelayMs(
  retryAfter: string | null,
  attempt: number,
  policy: RetryPolicy = DEFAULT_RETRY,
  now: number = Date.now(),
): number {
  const fallback = policy.fallbackMs * 2 ** (attempt - 1);
  const value = retryAfter?.trim() ?? '';
  let delay = fallback;
  if (/^\d+$/.test(value)) {
    delay = Number(value) * 1000;
  } else if (/[a-z]/i.test(value)) {
    // Only a date with a day or month name: Date.parse also reads strings like "-3" as years.
    const at = Date.parse(value);
    if (!Number.isNaN(at)) {
      delay = Math.max(0, at - now);
    }
  }
  return Math.min(delay, policy.maxDelayMs);
}

/**
 * Runs `send` until its answer is not 429/503 or the attempts are spent (then the last answer is
 * returned). `send` builds its request afresh each time, because a streamed body is read once.
 */
export async function withRetry<T extends { response: Response }>(
  send: () => Promise<T>,
  options: {
    policy?: RetryPolicy;
    sleep?: (ms: number) => Promise<void>;
    onWait?: (ms: number) => void;
  } = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    const answer = await send();
    if (!RETRYABLE_STATUSES.has(answer.response.status) || attempt >= policy.attempts) {
      return answer;
    }
    const delay = retryDelayMs(answer.response.headers.get('retry-after'), attempt, policy);
    options.onWait?.(delay);
    await sleep(delay);
  }
}
