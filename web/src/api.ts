import { createBatchportClient, type BatchportClient, type paths } from '../../src/client/index.js';

type Json<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type Batch = Json<'/api/batches/{id}', 'get'>;
export type UploadAnswer =
  paths['/api/batches/upload']['post']['responses'][201]['content']['application/json'];
export type BatchStatus = Batch['status'];
export type BatchList = Json<'/api/batches', 'get'>;
export type Stats = Json<'/api/batches/stats', 'get'>;
export type RecentBatch = Json<'/api/batches/recent', 'get'>[number];
export type RecordsPage = Json<'/api/batches/{id}/records', 'get'>;
export type ContactRecord = RecordsPage['records'][number];

export const STATUSES: readonly BatchStatus[] = ['uploaded', 'parsing', 'parsed', 'loaded', 'error'];

/** Loaded and error are where a batch rests; the others still change. */
export function isActive(status: BatchStatus): boolean {
  return status !== 'loaded' && status !== 'error';
}

/** A failed call, carrying the API's own message so the page can show it as is. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The API's error body is `{ error: { code, message }, requestId }`; anything else gets the status. */
export function messageOf(body: unknown, response: Response): string {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const { error } = body;
    if (typeof error === 'object' && error !== null && 'message' in error) {
      return String(error.message);
    }
  }
  return `the server answered ${response.status} ${response.statusText}`.trim();
}

export function client(token: string): BatchportClient {
  return createBatchportClient({ baseUrl: window.location.origin, token });
}

interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful call, or an ApiError with the API's message. */
export async function ok<T>(call: Promise<Outcome<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || data === undefined) {
    throw new ApiError(messageOf(error, response), response.status);
  }
  return data;
}

/** Reads an error answer of a plain fetch the same way. */
export async function failure(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => undefined);
  return new ApiError(messageOf(body, response), response.status);
}

export function authHeader(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
