import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookTargetRefusedError } from '../../../src/errors.js';
import { sendWebhook } from '../../../src/webhooks/sender.js';
import { addressRefusal, checkTarget, checkTargetUrl } from '../../../src/webhooks/targetGuard.js';

const GUARD_ON = { allowPrivate: false, allowHttp: true };
const PRIVATE_ALLOWED = { allowPrivate: true, allowHttp: true };

describe('SSRF guard: addresses', () => {
  it.each([
    ['127.0.0.1', /loopback/],
    ['127.8.9.10', /loopback/],
    ['::1', /loopback/],
    ['10.0.0.1', /private/],
    ['172.16.5.4', /private/],
    ['192.168.1.1', /private/],
    ['fd12:3456::1', /uniqueLocal/],
    ['224.0.0.1', /multicast/],
    ['ff02::1', /multicast/],
    ['0.0.0.0', /unspecified/],
    ['::', /unspecified/],
    ['100.64.0.1', /carrierGradeNat/],
    ['::ffff:127.0.0.1', /loopback/],
    ['::ffff:10.0.0.1', /private/],
  ])('refuses %s while private targets are not allowed', (address, reason) => {
    expect(addressRefusal(address, GUARD_ON)).toMatch(reason);
  });

  it.each(['169.254.169.254', '169.254.0.1', 'fe80::1', '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe'])(
    'refuses link-local %s always, private targets allowed or not',
    (address) => {
      expect(addressRefusal(address, GUARD_ON)).toMatch(/link-local/);
      expect(addressRefusal(address, PRIVATE_ALLOWED)).toMatch(/link-local/);
    },
  );

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700::1111', '64:ff9b::808:808'])(
    'lets public %s through',
    (address) => {
      expect(addressRefusal(address, GUARD_ON)).toBeNull();
    },
  );

  it('lets loopback and private through only when allowed', () => {
    for (const address of ['127.0.0.1', '::1', '10.0.0.1', 'fd00::1']) {
      expect(addressRefusal(address, PRIVATE_ALLOWED), address).toBeNull();
    }
  });
});

describe('SSRF guard: URLs', () => {
  it('asks for https unless http is allowed, and refuses credentials and other schemes', () => {
    const production = { allowPrivate: false, allowHttp: false };
    expect(() => checkTargetUrl('http://example.com/hook', production)).toThrow(/must use https/);
    expect(checkTargetUrl('https://example.com/hook', production).href).toBe('https://example.com/hook');
    expect(checkTargetUrl('http://example.com/hook', GUARD_ON).protocol).toBe('http:');
    expect(() => checkTargetUrl('https://u:p@example.com/', production)).toThrow(/user name or password/);
    expect(() => checkTargetUrl('ftp://example.com/', GUARD_ON)).toThrow(WebhookTargetRefusedError);
    expect(() => checkTargetUrl('not a url', GUARD_ON)).toThrow(/absolute http/);
  });

  it('refuses a name that resolves to loopback (localhost) at registration', async () => {
    await expect(checkTarget('http://localhost:8080/hook', GUARD_ON)).rejects.toThrow(
      /localhost resolves to .*loopback/,
    );
    await expect(checkTarget('http://localhost:8080/hook', PRIVATE_ALLOWED)).resolves.toBeInstanceOf(URL);
  });
});

describe('SSRF guard at delivery: refused before any connection', () => {
  let server: Server;
  let port: number;
  let connections = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('ok'));
    server.on('connection', () => {
      connections += 1;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const send = (url: string, policy = GUARD_ON) => sendWebhook(url, {}, '{}', { timeoutMs: 2_000, policy });

  it.each([
    ['http://127.0.0.1:PORT/hook', /refused by the SSRF guard: 127\.0\.0\.1 is a loopback/],
    ['http://localhost:PORT/hook', /refused by the SSRF guard: localhost resolves to/],
    ['http://[::ffff:127.0.0.1]:PORT/hook', /refused by the SSRF guard: .*loopback/],
  ])('refuses %s: the receiver on loopback sees no connection', async (template, reason) => {
    const before = connections;
    const result = await send(template.replace('PORT', String(port)));
    expect(result).toMatchObject({ statusCode: null, error: expect.stringMatching(reason) });
    expect(connections).toBe(before);
  });

  it.each([
    ['http://10.0.0.1/hook', /10\.0\.0\.1 is a private address/],
    ['http://[::1]:9/hook', /::1 is a loopback address/],
    ['http://169.254.169.254/latest/meta-data', /link-local/],
  ])('refuses %s without connecting', async (url, reason) => {
    const result = await send(url);
    expect(result).toMatchObject({ statusCode: null, error: expect.stringMatching(reason) });
  });

  it('delivers to the same receiver when private targets are allowed', async () => {
    const before = connections;
    const result = await send(`http://127.0.0.1:${port}/hook`, PRIVATE_ALLOWED);
    expect(result).toMatchObject({ statusCode: 200, error: null, response: 'ok' });
    expect(connections).toBe(before + 1);
  });

  it('refuses link-local at delivery even when private targets are allowed', async () => {
    const result = await send('http://169.254.169.254/latest/meta-data', PRIVATE_ALLOWED);
    expect(result.error).toMatch(/refused by the SSRF guard: 169\.254\.169\.254 is link-local/);
  });
});
