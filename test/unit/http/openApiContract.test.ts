import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Batch } from '../../../src/domain/batch.js';
import { batchEventData } from '../../../src/events/batchEvent.js';
import { RESET_FRAME } from '../../../src/events/sseStream.js';
import { BatchEventData, DeletedEventData, ResetEventData } from '../../../src/http/schemas/eventSchemas.js';
import { parsePhoneRegion } from '../../../src/validators/uploadOptions.js';
import { bearer, build, tokenFor, type TestApp } from '../../support/buildTestApp.js';

/**
 * What outside clients (a fuzzer with every check on) found the contract getting wrong (issue
 * #19): a value the document allows must be accepted, and the event stream's frames must be
 * declared. Redocly's rules run on the same document in CI (`npm run lint:openapi`).
 */
interface Schema {
  type?: string;
  enum?: unknown[];
  pattern?: string;
  properties?: Record<string, Schema>;
  'x-sse-events'?: Record<string, unknown>;
}
interface Doc {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ name: string; in: string; schema: Schema }>;
        requestBody?: { content: Record<string, { schema: Schema }> };
        responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
      }
    >
  >;
}

// TypeBox checks formats only once told what they mean (Ajv's meaning, as the API validates).
FormatRegistry.Set('uuid', (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v));
FormatRegistry.Set('date-time', (v) => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}T/.test(v));

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ALL_TWO_LETTER_CODES = [...LETTERS].flatMap((a) => [...LETTERS].map((b) => a + b));
const accepts = (region: string) => {
  try {
    parsePhoneRegion(region);
    return true;
  } catch {
    return false;
  }
};

describe('the contract says what the API accepts', () => {
  let t: TestApp;
  let doc: Doc;
  beforeAll(async () => {
    t = await build();
    doc = (await t.app.inject({ url: '/openapi.json' })).json<Doc>();
  });
  afterAll(async () => {
    await t.app.close();
  });

  it.each(['/api/batches/upload', '/api/batches/preview'])(
    '%s declares exactly the accepted phone regions as an enum (AA is neither)',
    (path) => {
      const field =
        doc.paths[path]!['post']!.requestBody!.content['multipart/form-data']!.schema.properties![
          'phoneRegion'
        ]!;
      expect(field.pattern).toBeUndefined();
      const declared = new Set(field.enum as string[]);
      for (const code of ALL_TWO_LETTER_CODES) {
        expect(declared.has(code), code).toBe(accepts(code));
        expect(declared.has(code.toLowerCase()), code.toLowerCase()).toBe(accepts(code.toLowerCase()));
      }
      expect(declared.has('AA')).toBe(false);
      expect(declared.has('DE')).toBe(true);
    },
  );

  it('declares the records cursor so that every cursor it allows gets a page, and 0 a 400', async () => {
    const records = doc.paths['/api/batches/{id}/records']!['get']!;
    const pattern = new RegExp(records.parameters!.find((p) => p.name === 'cursor')!.schema.pattern!);
    const auth = bearer(await tokenFor('cursor-user'));
    const batch = t.store.seedBatch({ userId: 'cursor-user', status: 'loaded' });
    const page = (cursor: string) =>
      t.app.inject({
        url: `/api/batches/${batch.id}/records?cursor=${encodeURIComponent(cursor)}`,
        headers: auth,
      });
    for (const cursor of fc.sample(fc.stringMatching(pattern), 200)) {
      // A cursor names the reading it pages (`.N`, none for the first; issue #21 re-reads): it
      // gets a page of a batch at that reading (another reading's is a 409, see reprocess.test.ts).
      const suffix = /\.(\d+)$/.exec(cursor);
      const reading = suffix ? Number(suffix[1]) : 0;
      t.store.state.batches.set(batch.id, { ...batch, reading });
      expect((await page(cursor)).statusCode, cursor).toBe(200);
    }
    expect('0').not.toMatch(pattern);
    expect((await page('0')).statusCode).toBe(400);
  });

  it("declares each event stream event's data, and what the stream sends matches it", () => {
    const ok =
      doc.paths['/api/batches/events']!['get']!.responses['200']!.content!['text/event-stream']!.schema;
    expect(ok.type).toBe('string');
    expect(Object.keys(ok['x-sse-events']!).sort()).toEqual(['batch', 'deleted', 'reset']);
    expect(ok['x-sse-events']).toEqual(
      JSON.parse(JSON.stringify({ batch: BatchEventData, deleted: DeletedEventData, reset: ResetEventData })),
    );
    const batch: Batch = {
      ...t.store.seedBatch({ userId: 'events-user', status: 'error' }),
      errorMessage: 'the file has no contacts',
    };
    const first = Value.Errors(BatchEventData, batchEventData(batch)).First();
    expect(first && { path: first.path, message: first.message }).toBeUndefined();
    expect(Value.Check(DeletedEventData, { id: batch.id })).toBe(true);
    expect(Value.Check(ResetEventData, JSON.parse(/data: (.*)/.exec(RESET_FRAME)![1]!))).toBe(true);
  });
});
