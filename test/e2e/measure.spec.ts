import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { dropFiles } from './support.js';

/** About 10 MB of contacts: the largest file the API accepts by default. */
function tenMegabyteCsv(): Buffer {
  const lines = ['Name,Email,Phone,Company,City'];
  let size = lines[0]!.length + 1;
  for (let row = 2; size < 10 * 1024 * 1024 - 200; row++) {
    const line = `Person ${row},person${row}@example.com,+1 415 555 ${String(row % 10000).padStart(4, '0')},Company ${row % 997},City ${row % 101}`;
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(lines.join('\n') + '\n');
}

test('a 10 MB CSV: from drop to loaded, as the page shows it', async ({ page }) => {
  test.setTimeout(600_000);
  const csv = tenMegabyteCsv();
  await page.goto('/');
  await page.getByLabel('Email').fill(`${process.env.E2E_RUN_ID ?? 'measure'}-big@e2e.example.com`);
  await page.getByRole('button', { name: 'Sign in as this user' }).click();
  await expect(page.getByTestId('live')).toHaveText('Live updates on');
  const started = Date.now();
  await dropFiles(page, [{ name: 'ten-megabytes.csv', mimeType: 'text/csv', buffer: csv }]);
  await page.locator('.uppy-StatusBar-actionBtn--upload').click();
  await expect(page.locator('.uppy-Dashboard-Item.is-complete')).toHaveCount(1, { timeout: 120_000 });
  const uploadedMs = Date.now() - started;
  const badge = page.getByTestId('uploaded').locator('li .badge');
  await expect(badge).toHaveText('loaded', { timeout: 540_000 });
  const loadedMs = Date.now() - started;
  const result = { bytes: csv.length, rows: csv.toString().split('\n').length - 2, uploadedMs, loadedMs };
  console.log(`[measure] ${JSON.stringify(result)}`);
  fs.mkdirSync('.data/e2e-results', { recursive: true });
  fs.writeFileSync(path.join('.data/e2e-results', 'measure.json'), JSON.stringify(result, null, 2));
});
