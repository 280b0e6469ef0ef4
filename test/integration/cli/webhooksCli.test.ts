import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, startStack, type TestStack } from '../../support/testStack.js';
import { WEBHOOK_STACK_ENV } from '../../support/webhookStackEnv.js';
import { runCli } from '../../support/runCli.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'bin/batchport.js');

const cli = runCli;

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** `batchport listen` as a child process; its stdout lines (one verified event each) are collected. */
function listen(port: number, secret: string) {
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, 'listen', '--port', String(port), '--secret', secret, '--json'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Array<{ webhookId: string; event: { type: string } }> = [];
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line)));
  return {
    lines,
    stderr: () => stderr,
    async ready() {
      for (const until = Date.now() + 20_000; !stderr.includes('listening on');) {
        if (Date.now() > until) {
          throw new Error(`listen did not start: ${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async waitFor(count: number) {
      for (const until = Date.now() + 20_000; lines.length < count;) {
        if (Date.now() > until) {
          throw new Error(`listen printed ${lines.length} of ${count} events; stderr: ${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      return lines;
    },
    stop: () => child.kill('SIGTERM'),
  };
}

describe('batchport webhooks and batchport listen against the real API and deliverer', () => {
  let stack: TestStack;
  let env: Record<string, string>;
  beforeAll(async () => {
    stack = await startStack({ storage: 'local', records: 'postgres', worker: true, env: WEBHOOK_STACK_ENV });
    const user = await newUser('cli-hooks');
    env = { BATCHPORT_URL: stack.baseUrl, BATCHPORT_TOKEN: user.token };
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('adds an endpoint, listens, tests, lists deliveries, replays and rotates', async () => {
    const port = await freePort();
    const added = await cli(
      ['webhooks', 'add', `http://127.0.0.1:${port}/`, '--events', 'webhook.test,batch.loaded', '--json'],
      env,
    );
    expect(added.code, added.stderr).toBe(0);
    const endpoint = JSON.parse(added.stdout) as { id: string; secret: string; events: string[] };
    expect(endpoint.events).toEqual(['webhook.test', 'batch.loaded']);
    const receiver = listen(port, endpoint.secret);
    try {
      await receiver.ready();
      const test = await cli(['webhooks', 'test', endpoint.id, '--json'], env);
      expect(test.code, test.stderr).toBe(0);
      const { deliveryId } = JSON.parse(test.stdout) as { deliveryId: string };
      const [first] = await receiver.waitFor(1);
      expect(first).toMatchObject({ webhookId: deliveryId, event: { type: 'webhook.test' } });

      const log = await cli(['webhooks', 'deliveries', endpoint.id], env);
      expect(log.code, log.stderr).toBe(0);
      expect(log.stdout).toMatch(new RegExp(`${deliveryId}\\s+webhook\\.test\\s+(delivered|pending)`));
      const ls = await cli(['webhooks', 'ls'], env);
      expect(ls.stdout).toContain(`${endpoint.id}  http://127.0.0.1:${port}/`);

      const replay = await cli(['webhooks', 'replay', endpoint.id, deliveryId], env);
      expect(replay.code, replay.stderr).toBe(0);
      const [, again] = await receiver.waitFor(2);
      expect(again!.webhookId).toBe(deliveryId);

      // listen keeps its (old) secret through a rotation: the overlap signs with both.
      const rotated = await cli(['webhooks', 'rotate', endpoint.id, '--json'], env);
      expect(rotated.code, rotated.stderr).toBe(0);
      await cli(['webhooks', 'test', endpoint.id], env);
      await receiver.waitFor(3);
      expect(receiver.stderr()).not.toMatch(/refused/);

      const rm = await cli(['webhooks', 'rm', endpoint.id], env);
      expect(rm.code).toBe(0);
      expect((await cli(['webhooks', 'rm', endpoint.id], env)).code).toBe(1);
    } finally {
      receiver.stop();
    }
  });

  it('listen accepts what the reference library signs and refuses anything else with 401', async () => {
    const port = await freePort();
    const secret = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const receiver = listen(port, secret);
    try {
      await receiver.ready();
      const body = JSON.stringify({
        type: 'batch.loaded',
        timestamp: new Date().toISOString(),
        data: { id: 'b' },
      });
      const now = new Date();
      const headers = {
        'webhook-id': 'msg_reference',
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign('msg_reference', now, body),
      };
      const post = (h: Record<string, string>, b = body) =>
        fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: h, body: b });
      expect((await post(headers)).status).toBe(204);
      expect((await post(headers, `${body} `)).status).toBe(401);
      expect((await post({ ...headers, 'webhook-id': 'msg_other' })).status).toBe(401);
      expect(
        (await post({ ...headers, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000) - 600) }))
          .status,
      ).toBe(401);
      const lines = await receiver.waitFor(1);
      expect(lines).toEqual([{ webhookId: 'msg_reference', event: JSON.parse(body) }]);
      expect(receiver.stderr()).toMatch(/refused .*msg_other.*no signature matches/);
    } finally {
      receiver.stop();
    }
  });
});
