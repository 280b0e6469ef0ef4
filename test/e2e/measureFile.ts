/**
 * The file of the `measure` project (measure.spec.ts): about 10 MB of contacts, the largest file
 * the API accepts by default (~143k rows). Apart from the spec so the bench can load the same
 * rows with cqlsh COPY (bench/sections/e2eDrop.ts) without importing Playwright.
 */
export function tenMegabyteCsv(): Buffer {
  const lines = ['Name,Email,Phone,Company,City'];
  let size = lines[0]!.length + 1;
  for (let row = 2; size < 10 * 1024 * 1024 - 200; row++) {
    const line = `Person ${row},person${row}@example.com,+1 415 555 ${String(row % 10000).padStart(4, '0')},Company ${row % 997},City ${row % 101}`;
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(lines.join('\n') + '\n');
}

/** Where the spec writes its figures (relative to the repository root). */
export const MEASURE_RESULT_FILE = '.data/e2e-results/measure.json';
