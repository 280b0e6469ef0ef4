import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { Webhook } from 'standardwebhooks';
import { expectAccessible } from './support.js';

/**
 * The Webhooks page against the real API and deliverer: add an endpoint pointing at a receiver
 * on 127.0.0.1, copy its secret from the page, send a test, see the delivery, replay it. Every
 * message is verified with the standardwebhooks library and the secret the page showed.
 */
test('webhooks: add an endpoint, send a test, see the delivery and replay it', async ({ page }) => {
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  try {
    await page.goto('/');
    await page.getByLabel('Email').fill(`hooks-${Date.now()}@example.com`);
    await page.getByRole('button', { name: 'Sign in as this user' }).click();
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Webhooks');

    await page.getByLabel('URL').fill(url);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const secret = (await page.getByTestId('webhook-secret').locator('code').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    await expect(page.getByRole('heading', { level: 2, name: url })).toBeVisible();
    await expectAccessible(page, 'webhooks');

    await page.getByRole('button', { name: 'Send a test' }).click();
    await expect.poll(() => received.length).toBe(1);
    const verify = (m: (typeof received)[number]) =>
      new Webhook(secret).verify(m.body, {
        'webhook-id': String(m.headers['webhook-id']),
        'webhook-timestamp': String(m.headers['webhook-timestamp']),
        'webhook-signature': String(m.headers['webhook-signature']),
      }) as { type: string };
    expect(verify(received[0]!).type).toBe('webhook.test');
    const id = String(received[0]!.headers['webhook-id']);

    await page.getByRole('button', { name: 'Deliveries' }).click();
    const row = page.getByRole('row', { name: new RegExp(id) });
    await expect(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect(row).toContainText('delivered', { timeout: 1_000 });
    }).toPass();
    await row.getByRole('button', { name: 'Replay' }).click();
    await expect.poll(() => received.length).toBe(2);
    expect(received[1]!.headers['webhook-id']).toBe(id);
    expect(verify(received[1]!).type).toBe('webhook.test');
  } finally {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
});
