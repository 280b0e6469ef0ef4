import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { buildApp, type AppOptions } from '../../src/http/app.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createAuthService } from '../../src/services/authService.js';
import { createBatchService } from '../../src/services/batchService.js';
import { createBatchUploadService } from '../../src/services/batchUploadService.js';
import { createBatchFixService } from '../../src/services/fixes/batchFixService.js';
import { createMemoryEvents } from './doubles/memoryEvents.js';
import { createPreviewService } from '../../src/services/previewService.js';
import { createMemoryStore, type MemoryStore } from './doubles/memoryStore.js';
import { createMemoryWebhooks } from './doubles/memoryWebhooks.js';
import { createMemorySavedMappings } from './doubles/memorySavedMappings.js';
import { createSavedMappingService } from '../../src/services/savedMappingService.js';
import { openContactParser } from '../../src/parsing/openContactParser.js';

export const TEST_JWT_SECRET = 'unit-test-secret-that-is-long-enough-for-hs256';

export interface TestApp {
  app: FastifyInstance;
  store: MemoryStore;
  savedMappings: ReturnType<typeof createMemorySavedMappings>;
  webhooks: ReturnType<typeof createMemoryWebhooks>;
  options: AppOptions;
}

export interface BuildOptions extends Partial<Omit<AppOptions, 'limits'>> {
  limits?: Partial<AppOptions['limits']>;
}

/**
 * The whole HTTP app over in-memory adapters, with the real auth, batch and upload services:
 * no socket, no service running. Drive it with `app.inject()`; close it in afterAll.
 */
export async function build(overrides: BuildOptions = {}): Promise<TestApp> {
  const store = createMemoryStore();
  const webhooks = createMemoryWebhooks();
  const logger = pino({ level: 'silent' });
  const limits = {
    maxFileSize: 64 * 1024,
    rateLimitPerMinute: 1000,
    uploadRateLimitPerMinute: 1000,
    authFailureLimitPerMinute: 1000,
    ...overrides.limits,
  };
  const { batchRepository, batchDeletionRepository, batchFixRepository, records, queue, cleanup, storage } =
    store.adapters;
  const savedMappings = createMemorySavedMappings();
  const savedMappingService = createSavedMappingService({
    repository: savedMappings,
    storage,
    // In this thread: the HTTP-layer tests run no parse pool.
    open: (input, parseOptions) => openContactParser(input, parseOptions),
    parse: { maxRowsPerBatch: 10_000, maxUncompressedBytes: 50 * 1024 * 1024, defaultPhoneRegion: 'US' },
    logger,
  });
  const options: AppOptions = {
    savedMappingService,
    logger,
    metrics: createMetrics('api'),
    readiness: {},
    authService: createAuthService({
      secret: TEST_JWT_SECRET,
      jwksUrl: undefined,
      issuer: undefined,
      audience: undefined,
    }),
    batchService: createBatchService({ batchRepository, batchDeletionRepository, records, queue, cleanup }),
    batchUploadService: createBatchUploadService({
      batchRepository,
      storage,
      queue,
      logger,
      maxFileSize: limits.maxFileSize,
      mappings: savedMappingService,
    }),
    events: {
      source: createMemoryEvents().source,
      heartbeatMs: 15_000,
      maxStreams: 100,
      maxStreamsPerUser: 10,
    },
    batchFixService: createBatchFixService({
      batchRepository,
      fixes: batchFixRepository,
      records,
      // No contact index in memory: no fixed row is known (the index is the integration tests').
      knownContacts: { indexFixes: () => Promise.resolve(new Set<number>()) },
      defaultPhoneRegion: 'US',
    }),
    previewService: createPreviewService(
      {
        maxFileSize: limits.maxFileSize,
        maxRowsPerBatch: 10_000,
        maxUncompressedBytes: 50 * 1024 * 1024,
        defaultPhoneRegion: 'US',
        limits: { maxConcurrent: 100, maxPerUser: 100 },
      },
      undefined,
      savedMappingService,
      { batches: batchRepository, storage },
    ),
    webhookService: webhooks.service,
    ...overrides,
    limits,
  };
  const app = await buildApp(options);
  await app.ready();
  return { app, store, savedMappings, webhooks, options };
}

/** A valid HS256 token for `sub` (email `<sub>@example.com`); `tweak` changes what is signed. */
export async function tokenFor(
  sub: string,
  tweak: { secret?: string; expiresAt?: number; email?: string | null; alg?: string } = {},
): Promise<string> {
  const claims = tweak.email === null ? {} : { email: tweak.email ?? `${sub}@example.com` };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: tweak.alg ?? 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(tweak.expiresAt ?? Math.floor(Date.now() / 1000) + 3600)
    .sign(new TextEncoder().encode(tweak.secret ?? TEST_JWT_SECRET));
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** A multipart/form-data body built by hand, so a test controls every part. */
export function multipart(
  parts: Array<{ name: string; filename?: string; content: string | Buffer; type?: string }>,
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----batchport-test-boundary';
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = part.filename
      ? `form-data; name="${part.name}"; filename="${part.filename}"`
      : `form-data; name="${part.name}"`;
    // A part with a Content-Type but no file name is what fetch's FormData sends for a Blob
    // appended with an empty name; busboy reports it as a file without a name.
    const type = part.filename || part.type ? `\r\nContent-Type: ${part.type ?? 'text/csv'}` : '';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`));
    chunks.push(Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}
