import { execFile } from 'node:child_process';
import { openAsBlob } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBatchportClient } from '../../src/client/index.js';

/**
 * Uploads a file from a separate Node process, as an outside client does: Node's global fetch
 * (undici) or the typed client (src/client, openapi-fetch over the same fetch), with a FormData
 * body. In the test's own process the client shares the server's event loop
 * and never sees what an outside client sees (an EPIPE on an early answer), hence the process.
 *
 * As a script: `tsx uploadInChildProcess.ts <fetch|client> <url> <token> <file>`; prints one JSON
 * line, `{ status, body }` or `{ error, code }`.
 */
export interface ChildUploadOutcome {
  status?: number;
  body?: { error?: { code?: string } };
  error?: string;
  code?: string;
}

const SCRIPT = fileURLToPath(import.meta.url);

export async function uploadInChildProcess(
  mode: 'fetch' | 'client',
  baseUrl: string,
  token: string,
  file: string,
): Promise<ChildUploadOutcome> {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', SCRIPT, mode, baseUrl, token, file],
      { timeout: 60_000 },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    );
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as ChildUploadOutcome;
}

/** A file of `size` bytes of contact-like text in `dir`. */
export async function bigCsv(dir: string, size: number): Promise<string> {
  const path = join(dir, `big-${size}.csv`);
  const line = 'Ada,Lovelace,ada@example.com\n';
  await writeFile(path, line.repeat(Math.ceil(size / line.length)).slice(0, size));
  return path;
}

async function run(mode: string, baseUrl: string, token: string, path: string): Promise<ChildUploadOutcome> {
  // The usual way to send a file from Node: a FormData with the file as a Blob, which undici
  // writes as fast as the socket takes it (an early answer then meets a client still writing).
  const form = new FormData();
  form.append('file', await openAsBlob(path), basename(path));
  try {
    if (mode === 'fetch') {
      const answer = await fetch(`${baseUrl}/api/batches/upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: form,
      });
      return { status: answer.status, body: (await answer.json()) as ChildUploadOutcome['body'] };
    }
    const client = createBatchportClient({ baseUrl, token });
    // openapi-fetch passes a FormData body through as is.
    const answer = await client.POST('/api/batches/upload', { body: form as never });
    return { status: answer.response.status, body: answer.error as ChildUploadOutcome['body'] };
  } catch (error) {
    const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
    return { error: (error as Error).message, code: cause?.code ?? 'none' };
  }
}

if (process.argv[1] === SCRIPT) {
  const [mode = '', baseUrl = '', token = '', path = ''] = process.argv.slice(2);
  console.log(JSON.stringify(await run(mode, baseUrl, token, path)));
}
