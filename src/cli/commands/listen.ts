import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { verificationFailure } from '../../webhooks/signing.js';
import { EXIT, type ExitCode } from '../errors.js';

export interface ListenOptions {
  port: number;
  host: string;
  secret: string;
  json: boolean;
}

/** Bodies larger than this are refused (Batchport's are under 20 KB). */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * `listen --port P --secret whsec_…`: a local receiver for people building a consumer. It
 * verifies each message's Standard Webhooks signature and timestamp, prints the verified event
 * (one JSON line with --json), answers 204, and answers 401 to anything that does not verify.
 * Runs until interrupted.
 */
export async function listenCommand(o: ListenOptions): Promise<ExitCode> {
  const server = createServer((request, response) => {
    void receive(request, response, o);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  process.stderr.write(
    `listening on http://${o.host}:${port}/ — register that URL with \`batchport webhooks add\`\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  server.close();
  return EXIT.ok;
}

async function receive(request: IncomingMessage, response: ServerResponse, o: ListenOptions): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      response.writeHead(413).end();
      return;
    }
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks).toString('utf8');
  const header = (name: string) => String(request.headers[name] ?? '');
  const id = header('webhook-id');
  const failure = verificationFailure(
    o.secret,
    { id, timestamp: header('webhook-timestamp'), signature: header('webhook-signature') },
    body,
  );
  if (failure !== null) {
    process.stderr.write(
      `refused ${request.method ?? ''} ${request.url ?? ''} (webhook-id ${id || '-'}): ${failure}\n`,
    );
    response.writeHead(401, { 'content-type': 'text/plain' }).end(`${failure}\n`);
    return;
  }
  response.writeHead(204).end();
  let event: { type?: string; data?: { id?: string; status?: string } };
  try {
    event = JSON.parse(body) as typeof event;
  } catch {
    event = {}; // signed but not JSON: printed as an unknown event
  }
  process.stdout.write(
    o.json
      ? `${JSON.stringify({ webhookId: id, event })}\n`
      : `${new Date().toISOString()} ${id} ${event.type ?? '?'} ${event.data?.id ?? ''} ${event.data?.status ?? ''}\n`.replace(
          / +\n$/,
          '\n',
        ),
  );
}
