/**
 * Issue #23: where a worker process spends its CPU on the bench's 10 MB CSV. One compiled worker
 * (the worker role's V8 flags plus --cpu-prof) loads the file RUNS times, after one warm-up; each
 * thread's profile (main and parse threads) is summed by function and by source file, self time.
 *
 *   npm run build && npx tsx scripts/withStack.ts --all -- npx tsx bench/micro/workerProfile.ts
 *   RUNS=2 TOP=40 PROFILE_DIR=/var/tmp/worker-prof …
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { workerNodeFlagsFor } from '../../src/worker/workerHeap.js';
import { contactsCsv } from '../lib/data.js';
import {
  deleteBatch,
  startBenchStack,
  startWorkerProcess,
  tokenFor,
  upload,
  waitDone,
} from '../lib/stack.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const MB = 1024 * 1024;
const runs = Number(process.env['RUNS'] ?? 2);
const top = Number(process.env['TOP'] ?? 40);
const dir = process.env['PROFILE_DIR'] ?? '/var/tmp/worker-prof';
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const csv = contactsCsv(10 * MB);
const stack = await startBenchStack({ worker: false });
try {
  const flags = [...workerNodeFlagsFor(2), '--cpu-prof', `--cpu-prof-dir=${dir}`];
  const worker = await startWorkerProcess(stack, { WORKER_CONCURRENCY: '2' }, flags);
  try {
    const token = await tokenFor(`worker-profile-${Date.now()}`);
    for (let run = 0; run <= runs; run++) {
      const started = Date.now();
      const { id } = await upload(stack, token, csv.bytes, 'contacts.csv');
      const done = await waitDone(stack, token, id, 600_000);
      const s = (Date.now() - started) / 1000;
      console.log(
        `${run === 0 ? 'warm-up' : `run ${run}`}: ${done.status} ${done.rowsRead} rows in ${s.toFixed(1)} s ` +
          `(${Math.round(done.rowsRead / s)} rows/s)`,
      );
      await deleteBatch(stack, token, id);
    }
  } finally {
    await worker.stop();
  }
} finally {
  await stack.close();
}

/** Self time per function and per file of every profile the process wrote. */
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const byNode = new Map<number, number>();
  profile.samples.forEach((nodeId, i) => {
    byNode.set(nodeId, (byNode.get(nodeId) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/') || '(native)';
    const fn = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const pkg = where.startsWith('node_modules/')
      ? where
          .split('/')
          .slice(0, where.split('/')[1]!.startsWith('@') ? 3 : 2)
          .join('/')
      : where;
    byFile.set(pkg, (byFile.get(pkg) ?? 0) + us);
  }
  const show = (title: string, map: Map<string, number>) => {
    console.log(`\n${title}`);
    for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(
        `${(us / 1000).toFixed(0).padStart(8)} ms ${((us / total) * 100).toFixed(1).padStart(5)} %  ${name}`,
      );
    }
  };
  console.log(`\n=== ${file}: ${(total / 1e6).toFixed(1)} s sampled ===`);
  show('by file / package (self)', byFile);
  show('by function (self)', byFunction);
}
