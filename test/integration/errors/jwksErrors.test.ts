import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwksUnavailable } from '../../../src/services/jwksErrors.js';
import { CLOSED_PORT } from './env.js';

/**
 * The jose JWKS classifier against errors jose raises when fetching a key set from a real HTTP
 * endpoint (a closed port, an endpoint answering 500, one that never answers, one serving junk).
 */
// An RS256 token signed by a key the endpoints never publish: verification needs the key set first.
const TOKEN =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1IiwiZW1haWwiOiJ1QGV4YW1wbGUuY29tIn0.c2lnbmF0dXJl';

async function failureOf(url: string, timeoutDuration = 2_000): Promise<unknown> {
  try {
    await jwtVerify(TOKEN, createRemoteJWKSet(new URL(url), { timeoutDuration }));
  } catch (error) {
    return error;
  }
  throw new Error('expected verification to fail');
}

describe('jose JWKS classifier, real errors', () => {
  let idp: Server;
  let base: string;
  beforeAll(async () => {
    idp = createServer((req, res) => {
      if (req.url === '/down') {
        res.writeHead(500).end('oops');
      } else if (req.url === '/junk') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"not":"a key set"}');
      } else if (req.url === '/empty') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
      }
      // anything else: never answer
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    idp.closeAllConnections();
    await new Promise((resolve) => idp.close(resolve));
  });

  it('a closed port, a 500, a timeout and a junk key set are auth-keys outages', async () => {
    for (const url of [`http://127.0.0.1:${CLOSED_PORT}/jwks`, `${base}/down`, `${base}/junk`]) {
      expect(jwksUnavailable(await failureOf(url)), url).toMatchObject({ dependency: 'auth-keys' });
    }
    expect(jwksUnavailable(await failureOf(`${base}/slow`, 300))).toMatchObject({ dependency: 'auth-keys' });
  });

  it('a key set without the token key is a token problem, not an outage', async () => {
    const error = await failureOf(`${base}/empty`);
    expect((error as { code?: string }).code).toBe('ERR_JWKS_NO_MATCHING_KEY');
    expect(jwksUnavailable(error)).toBeUndefined();
  });
});
