import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './generated/schema.js';

export type { components, paths } from './generated/schema.js';

export type BatchportPaths = paths;
export type BatchportClient = Client<BatchportPaths>;

export interface BatchportClientOptions {
  /** Where the API listens, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** A bearer JWT; sent on every request. */
  token: string;
  /** Replaces the global fetch (tests, proxies). */
  fetch?: typeof globalThis.fetch;
}

/** A typed client for the Batchport API: paths, parameters and bodies come from the OpenAPI document. */
export function createBatchportClient(options: BatchportClientOptions): BatchportClient {
  return createClient<BatchportPaths>({
    baseUrl: options.baseUrl,
    headers: { authorization: `Bearer ${options.token}` },
    ...(options.fetch && { fetch: options.fetch }),
  });
}
