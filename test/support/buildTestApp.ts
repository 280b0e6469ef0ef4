import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { buildApp, type AppOptions } from '../../src/http/app.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createServices } from '../../src/composition.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import type { KnownContactsService } from '../../src/contactIndex/contactIndexComposition.js';
import type { PreviewParsing } from '../../src/services/previewService.js';
import { createMemoryEvents } from './doubles/memoryEvents.js';
import { strictDouble } from './doubles/strictDouble.js';
import { createMemoryStore, type MemoryStore } from './doubles/memoryStore.js';
import { createMemoryWebhooks } from './doubles/memoryWebhooks.js';
import { createMemorySavedMappings } from './doubles/memorySavedMappings.js';
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

/** The configuration the HTTP-layer tests run on: validated by the real loader, like any role's. */
function testConfig(limits: AppOptions['limits']): Config {
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    // Never connected: the stores are in memory. The loader requires them, as every role does.
    DATABASE_URL: 'postgres://unit@127.0.0.1:1/unused',
    REDIS_URL: 'redis://127.0.0.1:1',
    USE_LOCAL_STORAGE: 'true',
    RECORDS_STORE: 'postgres',
    MAX_ROWS_PER_BATCH: '10000',
    MAX_UNCOMPRESSED_BYTES: String(50 * 1024 * 1024),
    PREVIEW_MAX_CONCURRENT: '100',
    PREVIEW_MAX_PER_USER: '100',
    DEFAULT_PHONE_REGION: 'US',
  });
  return { ...config, limits: { ...config.limits, ...limits } };
}

/**
 * The whole HTTP app over in-memory adapters, with the services built by the composition root's
 * own `createServices`: no socket, no service running. Three swaps, each named: previews parse
 * in this thread (no parse pool), the clean-up is the memory store's, the webhook service checks
 * targets without DNS (test/support/doubles/memoryWebhooks.ts). Drive it with `app.inject()`;
 * close it in afterAll.
 */
export async function build(overrides: BuildOptions = {}): Promise<TestApp> {
  const store = createMemoryStore();
  const webhooks = createMemoryWebhooks();
  const savedMappings = createMemorySavedMappings();
  const logger = pino({ level: 'silent' });
  const limits = {
    maxFileSize: 64 * 1024,
    rateLimitPerMinute: 1000,
    uploadRateLimitPerMinute: 1000,
    authFailureLimitPerMinute: 1000,
    maxRowsPerBatch: 10_000,
    maxUncompressedBytes: 50 * 1024 * 1024,
    ...overrides.limits,
  };
  const config = testConfig(limits);
  const { cleanup, ...adapters } = store.adapters;
  const services = createServices(
    {
      config,
      logger,
      ...adapters,
      // No contact index in memory: no record or fixed row is known, `known` filters nothing
      // (the index is the integration tests', test/integration/contactIndex/).
      knownContacts: strictDouble<KnownContactsService>('knownContacts', {
        indexFixes: () => Promise.resolve(new Set<number>()),
        listRecords: async (batch, { limit, cursor }) => {
          const page = await adapters.records.listRecords(batch.recordsKey, { limit, cursor });
          return { records: page.records.map((r) => ({ ...r, seenIn: null })), nextCursor: page.nextCursor };
        },
      }),
      webhookEndpointRepository: webhooks.repositories.endpointRepository,
      webhookDeliveryRepository: webhooks.repositories.deliveryRepository,
      savedMappingRepository: savedMappings,
    },
    { parsing: IN_THREAD_PARSING, cleanup },
  );
  const options: AppOptions = {
    ...services,
    logger,
    metrics: createMetrics('api'),
    readiness: {},
    webhookService: webhooks.service,
    events: {
      source: createMemoryEvents().source,
      heartbeatMs: 15_000,
      maxStreams: 100,
      maxStreamsPerUser: 10,
    },
    ...overrides,
    limits,
  };
  const app = await buildApp(options);
  await app.ready();
  return { app, store, savedMappings, webhooks, options };
}

/** Previews parsed in the test's own thread: the HTTP-layer tests start no parse pool. */
const IN_THREAD_PARSING = {
  open: (input, parseOptions) => openContactParser(input, parseOptions),
  close: () => Promise.resolve(),
} satisfies PreviewParsing;

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
