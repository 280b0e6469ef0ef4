import { Type, type Static } from '@sinclair/typebox';
import { DELIVERY_STATES, WEBHOOK_EVENT_TYPES } from '../../domain/webhook.js';

/** Request/response schemas of /api/webhooks (docs/hand-off.md). */

/** As for batch ids: the pattern too, because Ajv's `uuid` format takes `urn:uuid:` forms. */
const Uuid = (description: string) =>
  Type.String({
    format: 'uuid',
    pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
    description,
  });

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });

export const WebhookIdParams = Type.Object({ id: Uuid('Webhook endpoint id (UUID)') });
export const DeliveryParams = Type.Object({
  id: Uuid('Webhook endpoint id (UUID)'),
  deliveryId: Uuid('Delivery id: the `webhook-id` header of its messages (UUID)'),
});

export const EventTypeSchema = Type.Union(
  [
    Type.Literal('batch.loaded'),
    Type.Literal('batch.failed'),
    Type.Literal('batch.deleted'),
    Type.Literal('batch.updated'),
    Type.Literal('webhook.test'),
  ],
  {
    description:
      'batch.loaded, batch.failed (the batch ended in error), batch.deleted, batch.updated (a stored fix of invalid rows changed a loaded batch), webhook.test',
  },
);
export const DeliveryStateSchema = Type.Union(
  [Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')],
  { description: 'pending, delivered, or failed (every attempt of the schedule failed; replayable)' },
);
// Keep the schemas and the domain lists in step.
const _listsCheck: [
  (typeof WEBHOOK_EVENT_TYPES)[number] extends Static<typeof EventTypeSchema> ? true : never,
  (typeof DELIVERY_STATES)[number] extends Static<typeof DeliveryStateSchema> ? true : never,
] = [true, true];
void _listsCheck;

const Url = Type.String({
  format: 'uri',
  minLength: 1,
  maxLength: 2048,
  description: 'Where events are POSTed (https in production)',
});
const Events = Type.Array(EventTypeSchema, {
  minItems: 1,
  maxItems: WEBHOOK_EVENT_TYPES.length,
  description: 'The events sent to this endpoint',
});
const Description = Type.String({ maxLength: 500 });

export const CreateWebhookBody = Type.Object(
  {
    url: Url,
    events: Type.Optional(Events),
    description: Type.Optional(Description),
  },
  { additionalProperties: false },
);

export const PatchWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    enabled: Type.Optional(Type.Boolean({ description: 'true re-enables an endpoint the service disabled' })),
    // Null first: Ajv's type coercion would turn null into "" against the string branch.
    description: Type.Optional(Type.Union([Type.Null(), Description], { description: 'null removes it' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchWebhookBody = Static<typeof PatchWebhookBody>;

const endpointFields = {
  id: Uuid('Webhook endpoint id'),
  url: Type.String(),
  events: Type.Array(EventTypeSchema),
  enabled: Type.Boolean(),
  disabledReason: Nullable(Type.String({ description: 'Why the service disabled the endpoint' })),
  description: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
};

export const WebhookEndpointView = Type.Object(endpointFields);

const Secret = Type.String({
  pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$',
  description: 'The signing secret (`whsec_` + base64); shown only in this answer',
});

export const CreatedWebhook = Type.Object({ ...endpointFields, secret: Secret });
export const WebhookList = Type.Object({ webhooks: Type.Array(WebhookEndpointView) });

export const RotatedSecret = Type.Object({
  secret: Secret,
  previousSecretExpiresAt: Type.String({
    format: 'date-time',
    description: 'Until then every delivery carries a signature with the previous secret too',
  }),
});

export const TestSent = Type.Object({ deliveryId: Uuid('The test delivery (its `webhook-id`)') });

export const DELIVERIES_DEFAULT_LIMIT = 20;
export const DeliveriesQuery = Type.Object(
  {
    state: Type.Optional(DeliveryStateSchema),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 512, description: 'nextCursor of the previous page, as given' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: DELIVERIES_DEFAULT_LIMIT })),
  },
  { additionalProperties: false },
);

export const AttemptView = Type.Object({
  attemptedAt: Timestamp,
  statusCode: Nullable(Type.Integer({ description: "The receiver's HTTP status" })),
  error: Nullable(
    Type.String({ description: 'Why there is no status: network error, timeout, refused target' }),
  ),
  durationMs: Type.Integer(),
  response: Nullable(Type.String({ description: 'The first 1 KiB of the answer' })),
});

export const DeliveryView = Type.Object({
  id: Uuid('The `webhook-id` of every attempt and replay'),
  eventType: EventTypeSchema,
  batchId: Nullable(Uuid('The batch the event is about')),
  state: DeliveryStateSchema,
  nextAttemptAt: Nullable(Timestamp),
  occurredAt: Timestamp,
  deliveredAt: Nullable(Timestamp),
  createdAt: Timestamp,
  attempts: Type.Array(AttemptView, { description: 'Oldest first; the latest 50' }),
});

export const DeliveryList = Type.Object({
  deliveries: Type.Array(DeliveryView),
  nextCursor: Nullable(Type.String()),
});

export const ReplaySinceBody = Type.Object(
  {
    since: Type.String({
      format: 'date-time',
      description: 'Replay failed deliveries created at or after this',
    }),
  },
  { additionalProperties: false },
);
export const ReplaySinceResult = Type.Object({ replayed: Type.Integer({ minimum: 0 }) });
