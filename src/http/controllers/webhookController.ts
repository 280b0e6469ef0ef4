import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { WebhookService } from '../../services/webhookService.js';
import { currentUser } from '../plugins/authentication.js';
import { deliveryView, webhookView } from '../presenters/webhookPresenter.js';
import { API_ERRORS, ErrorResponse } from '../schemas/errorSchemas.js';
import {
  CreatedWebhook,
  CreateWebhookBody,
  DELIVERIES_DEFAULT_LIMIT,
  DeliveriesQuery,
  DeliveryList,
  DeliveryParams,
  DeliveryView,
  PatchWebhookBody,
  ReplaySinceBody,
  ReplaySinceResult,
  RotatedSecret,
  TestSent,
  WebhookEndpointView,
  WebhookIdParams,
  WebhookList,
} from '../schemas/webhookSchemas.js';

export interface WebhookControllerOptions {
  webhookService: WebhookService;
}

/** The Fastify instance (TypeBox typed) each route group registers on. */
type WebhookApp = Parameters<FastifyPluginAsyncTypebox>[0];

const docs = (operationId: string, summary: string) => ({ operationId, summary, tags: ['webhooks'] });

/**
 * /api/webhooks: the caller's endpoints, secrets, test sends, delivery log and replays. Thin handlers.
 * The groups register on this plugin's own instance (no nested plugin), in the document's order.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
export const webhookController: FastifyPluginAsyncTypebox<WebhookControllerOptions> = async (app, opts) => {
  const { webhookService: webhooks } = opts;
  registerEndpointRoutes(app, webhooks);
  registerSecretAndTestRoutes(app, webhooks);
  registerDeliveryRoutes(app, webhooks);
};

/** Creating, listing, reading, changing and deleting the caller's endpoints. */
function registerEndpointRoutes(app: WebhookApp, webhooks: WebhookService): void {
  // '' names the paths /api/webhooks exactly (no trailing-slash twin in the document).
  app.post(
    '',
    {
      schema: {
        ...docs('createWebhook', 'Register an endpoint; the answer holds its signing secret, shown once'),
        body: CreateWebhookBody,
        response: { 201: CreatedWebhook, 409: ErrorResponse, ...API_ERRORS },
      },
    },
    async (request, reply) => {
      const { endpoint, secret } = await webhooks.create(currentUser(request), request.body);
      return reply
        .status(201)
        .header('location', `/api/webhooks/${endpoint.id}`)
        .send({ ...webhookView(endpoint), secret });
    },
  );

  app.get(
    '',
    {
      schema: {
        ...docs('listWebhooks', 'Your webhook endpoints'),
        response: { 200: WebhookList, ...API_ERRORS },
      },
    },
    async (request) => ({ webhooks: (await webhooks.list(currentUser(request))).map(webhookView) }),
  );

  app.get(
    '/:id',
    {
      schema: {
        ...docs('getWebhook', 'One webhook endpoint (never its secret)'),
        params: WebhookIdParams,
        response: { 200: WebhookEndpointView, ...API_ERRORS },
      },
    },
    async (request) => webhookView(await webhooks.get(currentUser(request), request.params.id)),
  );

  app.patch(
    '/:id',
    {
      schema: {
        ...docs('updateWebhook', 'Change url, events, enabled or description'),
        params: WebhookIdParams,
        body: PatchWebhookBody,
        response: { 200: WebhookEndpointView, ...API_ERRORS },
      },
    },
    async (request) =>
      webhookView(await webhooks.update(currentUser(request), request.params.id, request.body)),
  );

  app.delete(
    '/:id',
    {
      schema: {
        ...docs('deleteWebhook', 'Delete an endpoint and its delivery log'),
        params: WebhookIdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...API_ERRORS },
      },
    },
    async (request, reply) => {
      await webhooks.delete(currentUser(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
}

/** Rotating an endpoint's signing secret, and sending it a test event. */
function registerSecretAndTestRoutes(app: WebhookApp, webhooks: WebhookService): void {
  app.post(
    '/:id/rotate-secret',
    {
      schema: {
        ...docs(
          'rotateWebhookSecret',
          'A new signing secret; the old one keeps signing alongside for the overlap',
        ),
        params: WebhookIdParams,
        response: { 200: RotatedSecret, ...API_ERRORS },
      },
    },
    async (request) => {
      const rotated = await webhooks.rotateSecret(currentUser(request), request.params.id);
      return {
        secret: rotated.secret,
        previousSecretExpiresAt: rotated.previousSecretExpiresAt.toISOString(),
      };
    },
  );

  app.post(
    '/:id/test',
    {
      schema: {
        ...docs('testWebhook', 'Send a webhook.test event now'),
        params: WebhookIdParams,
        response: { 202: TestSent, 409: ErrorResponse, ...API_ERRORS },
      },
    },
    async (request, reply) => {
      const deliveryId = await webhooks.sendTest(currentUser(request), request.params.id);
      return reply.status(202).send({ deliveryId });
    },
  );
}

/** An endpoint's delivery log, and sending its deliveries again. */
function registerDeliveryRoutes(app: WebhookApp, webhooks: WebhookService): void {
  app.get(
    '/:id/deliveries',
    {
      schema: {
        ...docs(
          'listWebhookDeliveries',
          'The delivery log, newest first, with every attempt (cursor paging)',
        ),
        params: WebhookIdParams,
        querystring: DeliveriesQuery,
        response: { 200: DeliveryList, ...API_ERRORS },
      },
    },
    async (request) => {
      const { state, cursor, limit = DELIVERIES_DEFAULT_LIMIT } = request.query;
      const page = await webhooks.listDeliveries(currentUser(request), request.params.id, {
        state,
        cursor,
        limit,
      });
      return { deliveries: page.deliveries.map(deliveryView), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/:id/deliveries/:deliveryId/replay',
    {
      schema: {
        ...docs(
          'replayWebhookDelivery',
          'Send a delivery again now: same webhook-id, new timestamp and signature',
        ),
        params: DeliveryParams,
        response: { 202: DeliveryView, 409: ErrorResponse, ...API_ERRORS },
      },
    },
    async (request, reply) => {
      const { id, deliveryId } = request.params;
      const delivery = await webhooks.replay(currentUser(request), id, deliveryId);
      return reply.status(202).send(deliveryView(delivery));
    },
  );

  app.post(
    '/:id/replay',
    {
      schema: {
        ...docs('replayFailedWebhookDeliveries', 'Send again every failed delivery created since a time'),
        params: WebhookIdParams,
        body: ReplaySinceBody,
        response: { 202: ReplaySinceResult, 409: ErrorResponse, ...API_ERRORS },
      },
    },
    async (request, reply) => {
      const since = new Date(request.body.since);
      const replayed = await webhooks.replayFailedSince(currentUser(request), request.params.id, since);
      return reply.status(202).send({ replayed });
    },
  );
}
