/**
 * Issue #21: how fast one user's stream of small batches drains with the contact index on and
 * off. FILES files of ROWS rows each (default 60 × 200) are uploaded on LANES lanes as fast as
 * the API answers, to the in-process worker (WORKER_CONCURRENCY, default 4 as the cluster's two
 * workers × 2); measured: first upload → every batch `loaded`. "Off" is the worker without its
 * contact-index hook, as in the bench's known_contacts section. Rounds alternate on/off.
 *
 *   npx tsx scripts/withStack.ts --all -- npx tsx bench/micro/userStreamDrain.ts
 *   FILES=60 ROWS=200 LANES=2 ROUNDS=2 …
 */
import { contactsCsv } from '../lib/data.js';
import { startBenchStack, tokenFor, upload, waitDone } from '../lib/stack.js';
import { indexSwitch } from '../lib/indexSwitch.js';

const files = Number(process.env['FILES'] ?? 60);
const rows = Number(process.env['ROWS'] ?? 200);
const lanes = Number(process.env['LANES'] ?? 2);
const rounds = Number(process.env['ROUNDS'] ?? 2);
// ~100 bytes per generated row.
const file = contactsCsv(rows * 100, 9).bytes;

const stack = await startBenchStack({
  worker: true,
  env: { WORKER_CONCURRENCY: process.env['WORKER_CONCURRENCY'] ?? '4' },
});
const service = stack.knownContacts;
const setIndex = indexSwitch(service);
try {
  for (let round = 0; round < rounds * 2; round++) {
    const on = round % 2 === 0;
    setIndex(on);
    const token = await tokenFor(`drain-${on ? 'on' : 'off'}-${Date.now()}`);
    const started = Date.now();
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < files) {
          next += 1;
          const up = await upload(stack, token, file, `part-${next}.csv`);
          if (up.status !== 201) {
            throw new Error(`upload failed: ${up.status} ${up.text}`);
          }
          ids.push(up.id);
        }
      }),
    );
    const uploadedS = (Date.now() - started) / 1000;
    const done = await Promise.all(ids.map((id) => waitDone(stack, token, id, 900_000, 250)));
    const s = (Date.now() - started) / 1000;
    const notLoaded = done.filter((d) => d.status !== 'loaded').length;
    console.log(
      `index ${on ? 'on ' : 'off'}: ${files} × ${rows} rows uploaded in ${uploadedS.toFixed(1)} s, ` +
        `all settled in ${s.toFixed(1)} s (${(files / s).toFixed(2)} batches/s), not loaded: ${notLoaded}`,
    );
  }
} finally {
  setIndex(true);
  await stack.close();
}
