import { dataOf, output, send, type Context } from '../context.js';
import { EXIT, type ExitCode } from '../errors.js';
import { table } from '../table.js';

/** `webhooks add URL`: registers an endpoint and prints its secret (shown this once). */
export async function addWebhookCommand(
  ctx: Context,
  url: string,
  o: { events?: string[]; description?: string },
): Promise<ExitCode> {
  const body = {
    url,
    ...(o.events && {
      events: o.events as Array<
        'batch.loaded' | 'batch.failed' | 'batch.deleted' | 'batch.updated' | 'webhook.test'
      >,
    }),
    ...(o.description !== undefined && { description: o.description }),
  };
  const created = dataOf(await send(ctx, () => ctx.client.POST('/api/webhooks', { body })));
  output(
    ctx,
    created,
    () =>
      `${created.id} ${created.url}\nevents: ${created.events.join(', ')}\nsecret: ${created.secret}\n` +
      '(the secret is shown only now; give it to the receiver)',
  );
  return EXIT.ok;
}

/** `webhooks ls`: your endpoints. */
export async function listWebhooksCommand(ctx: Context): Promise<ExitCode> {
  const { webhooks } = dataOf(await send(ctx, () => ctx.client.GET('/api/webhooks')));
  output(ctx, webhooks, () =>
    webhooks.length === 0
      ? 'no webhook endpoints'
      : table(
          ['id', 'url', 'events', 'enabled'],
          webhooks.map((w) => [
            w.id,
            w.url,
            w.events.join(','),
            w.enabled ? 'yes' : `no${w.disabledReason ? ` (${w.disabledReason})` : ''}`,
          ]),
        ),
  );
  return EXIT.ok;
}

/** `webhooks rm ID`. */
export async function removeWebhookCommand(ctx: Context, id: string): Promise<ExitCode> {
  await send(ctx, () => ctx.client.DELETE('/api/webhooks/{id}', { params: { path: { id } } }));
  output(ctx, { id, deleted: true }, () => `deleted ${id}`);
  return EXIT.ok;
}

/** `webhooks rotate ID`: a new secret; the old one keeps signing alongside for the overlap. */
export async function rotateWebhookCommand(ctx: Context, id: string): Promise<ExitCode> {
  const rotated = dataOf(
    await send(ctx, () => ctx.client.POST('/api/webhooks/{id}/rotate-secret', { params: { path: { id } } })),
  );
  output(
    ctx,
    rotated,
    () =>
      `secret: ${rotated.secret}\nthe previous secret also signs until ${rotated.previousSecretExpiresAt}`,
  );
  return EXIT.ok;
}

/** `webhooks test ID`: sends a webhook.test event now. */
export async function testWebhookCommand(ctx: Context, id: string): Promise<ExitCode> {
  const sent = dataOf(
    await send(ctx, () => ctx.client.POST('/api/webhooks/{id}/test', { params: { path: { id } } })),
  );
  output(ctx, sent, () => `webhook.test queued: webhook-id ${sent.deliveryId}`);
  return EXIT.ok;
}

export interface DeliveriesOptions {
  state?: 'pending' | 'delivered' | 'failed';
  limit: number;
  cursor?: string;
}

/** `webhooks deliveries ID`: the delivery log, newest first, with the last attempt of each. */
export async function deliveriesCommand(ctx: Context, id: string, o: DeliveriesOptions): Promise<ExitCode> {
  const page = dataOf(
    await send(ctx, () =>
      ctx.client.GET('/api/webhooks/{id}/deliveries', {
        params: { path: { id }, query: { limit: o.limit, state: o.state, cursor: o.cursor } },
      }),
    ),
  );
  output(ctx, page, () => {
    const rows = page.deliveries.map((d) => {
      const last = d.attempts.at(-1);
      const lastText = last ? (last.statusCode === null ? (last.error ?? '') : String(last.statusCode)) : '';
      return [d.id, d.eventType, d.state, String(d.attempts.length), lastText, d.nextAttemptAt ?? ''];
    });
    const more = page.nextCursor ? `\nmore: --cursor ${page.nextCursor}` : '';
    return table(['webhook-id', 'event', 'state', 'attempts', 'last answer', 'next attempt'], rows) + more;
  });
  return EXIT.ok;
}

/** `webhooks replay ID [DELIVERY_ID] [--since T]`: one delivery again, or every failed one since T. */
export async function replayCommand(
  ctx: Context,
  id: string,
  deliveryId: string | undefined,
  o: { since?: string },
): Promise<ExitCode> {
  if (deliveryId !== undefined) {
    const delivery = dataOf(
      await send(ctx, () =>
        ctx.client.POST('/api/webhooks/{id}/deliveries/{deliveryId}/replay', {
          params: { path: { id, deliveryId } },
        }),
      ),
    );
    output(ctx, delivery, () => `replaying ${delivery.id} (${delivery.eventType})`);
    return EXIT.ok;
  }
  const since = o.since ?? new Date(0).toISOString();
  const result = dataOf(
    await send(ctx, () =>
      ctx.client.POST('/api/webhooks/{id}/replay', { params: { path: { id } }, body: { since } }),
    ),
  );
  output(ctx, result, () => `replaying ${result.replayed} failed deliveries since ${since}`);
  return EXIT.ok;
}
