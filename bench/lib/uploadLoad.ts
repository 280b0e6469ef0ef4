/**
 * Upload load from a worker thread: `count` multipart POSTs of one prebuilt body to
 * /api/batches/upload, `concurrency` at a time over keep-alive connections. The client runs off
 * the API's event loop, as SeaweedFS runs off the raw PUT client's: each side of the upload
 * ratio then has its client and its server on different threads.
 */
import { Worker } from 'node:worker_threads';

export interface UploadLoadResult {
  latencies: number[];
  seconds: number;
  failures: string[];
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { baseUrl, token, body, boundary, count, concurrency } = workerData;
const url = new URL(baseUrl);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const payload = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
const latencies = [];
const failures = [];
let next = 0;
function one() {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const req = http.request({ host: url.hostname, port: url.port, path: '/api/batches/upload', method: 'POST', agent,
      headers: { authorization: 'Bearer ' + token, 'content-type': 'multipart/form-data; boundary=' + boundary,
        'content-length': payload.length } }, (res) => {
      let text = '';
      res.on('data', (c) => { if (text.length < 500) text += c; });
      res.on('end', () => {
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (res.statusCode !== 201) failures.push(res.statusCode + ' ' + text.slice(0, 200));
        resolve();
      });
    });
    req.on('error', (e) => { failures.push(String(e)); resolve(); });
    req.end(payload);
  });
}
(async () => {
  const started = process.hrtime.bigint();
  const loop = async () => { while (next++ < count) await one(); };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  parentPort.postMessage({ latencies, seconds, failures });
})();
`;

/** The multipart/form-data body of one file in field "file", as a browser would send it. */
export function multipartBody(file: Buffer, fileName: string): { body: Buffer; boundary: string } {
  const boundary = `----batchportbench${Date.now().toString(16)}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\n` +
      `Content-Type: text/csv\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat([head, file, tail]), boundary };
}

export function runUploadLoad(options: {
  baseUrl: string;
  token: string;
  file: Buffer;
  count: number;
  concurrency: number;
}): Promise<UploadLoadResult> {
  const { body, boundary } = multipartBody(options.file, 'contacts.csv');
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ...options, file: undefined, body, boundary },
    });
    worker.once('message', (result: UploadLoadResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}
