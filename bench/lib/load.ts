/**
 * A bounded HTTP load loop (autocannon is not a dependency): `concurrency` keep-alive connections
 * on 127.0.0.1, each sending its next GET as soon as the previous answer is read, for a fixed
 * duration. It runs in a worker thread so the client does not share the server's event loop.
 */
import { Worker } from 'node:worker_threads';

export interface LoadRequest {
  path: string;
  token?: string;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** Answers other than 200 (counted as errors too). */
  non200: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  durationS: number;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { baseUrl, requests, concurrency, durationMs } = workerData;
const url = new URL(baseUrl);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const latencies = [];
let errors = 0, non200 = 0, next = 0;
function one(r) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const req = http.request({ host: url.hostname, port: url.port, path: r.path, agent,
      headers: r.token ? { authorization: 'Bearer ' + r.token } : {} }, (res) => {
      res.on('data', () => {});
      res.on('end', () => {
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (res.statusCode !== 200) { non200++; errors++; }
        resolve();
      });
    });
    req.on('error', () => { errors++; resolve(); });
    req.end();
  });
}
(async () => {
  const deadline = Date.now() + durationMs;
  const started = process.hrtime.bigint();
  const loop = async () => {
    while (Date.now() < deadline) {
      await one(requests[next++ % requests.length]);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const durationS = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : 0;
  parentPort.postMessage({ requests: latencies.length, errors, non200, rps: latencies.length / durationS,
    p50Ms: q(0.5), p99Ms: q(0.99), durationS });
})();
`;

export function runLoad(
  baseUrl: string,
  requests: readonly LoadRequest[],
  options: { concurrency: number; durationMs: number },
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { baseUrl, requests, concurrency: options.concurrency, durationMs: options.durationMs },
    });
    worker.once('message', (result: LoadResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}
