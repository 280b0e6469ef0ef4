import { Type } from '@sinclair/typebox';
import { BatchId, StatusResponse } from './batchSchemas.js';

/**
 * The `data:` JSON of each event of GET /api/batches/events, published per event name in the
 * stream's `x-sse-events` (src/http/openApiContract.ts): OpenAPI 3.0 has no way to type the
 * frames of a text/event-stream, so the stream itself stays a string. Kept in step with what
 * src/events/batchEvent.ts sends by test/unit/http/eventSchemas.test.ts.
 */
export const BatchEventData = Type.Object(
  {
    ...StatusResponse.properties,
    fileName: Type.String(),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  {
    description:
      '`event: batch`: what GET /api/batches/{id}/status answers, plus the file name and the change time',
  },
);

export const DeletedEventData = Type.Object(
  { id: BatchId },
  { description: '`event: deleted`: the id of the batch that was deleted' },
);

export const ResetEventData = Type.Object(
  {},
  {
    additionalProperties: false,
    description: '`event: reset`: the Last-Event-ID sent could not be resumed from; refetch the lists',
  },
);

/** Event name -> the schema of its data. */
export const SSE_EVENT_SCHEMAS = {
  batch: BatchEventData,
  deleted: DeletedEventData,
  reset: ResetEventData,
} as const;
