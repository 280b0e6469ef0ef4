import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { capture, dropFiles, expectAccessible, fixture, mappingCsv } from './support.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const ROWS = 60;
const INVALID = [4, 16, 32];
const VALID = Array.from({ length: ROWS }, (_, i) => i + 1).filter((row) => !INVALID.includes(row));

interface Watch {
  responses: { method: string; path: string; status: number }[];
  statusPolls: string[];
  consoleErrors: string[];
}

/** Everything the page asked and heard, to check afterwards: no 429, no polling, no CSP refusal. */
function watch(page: Page): Watch {
  const seen: Watch = { responses: [], statusPolls: [], consoleErrors: [] };
  page.on('response', (r) =>
    seen.responses.push({
      method: r.request().method(),
      path: new URL(r.url()).pathname,
      status: r.status(),
    }),
  );
  page.on('request', (r) => {
    if (
      /^\/api\/batches\/[0-9a-f-]{36}(\/status)?$/.test(new URL(r.url()).pathname) &&
      r.method() === 'GET'
    ) {
      seen.statusPolls.push(new URL(r.url()).pathname);
    }
  });
  page.on('console', (m) => m.type() === 'error' && seen.consoleErrors.push(m.text()));
  page.on('pageerror', (e) => seen.consoleErrors.push(e.message));
  return seen;
}

const heading = (page: Page) => page.getByRole('heading', { level: 1 });
const uploadedItem = (page: Page, fileName: string) =>
  page
    .getByTestId('uploaded')
    .locator('li', { has: page.getByRole('link', { name: fileName, exact: true }) });

test('sign in, preview and map, upload three formats, follow them live, inspect, download, retry, delete', async ({
  page,
}) => {
  const seen = watch(page);
  const t0 = Date.now();
  const mark = (what: string) => console.log(`[e2e] ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const email = `${process.env.E2E_RUN_ID ?? `e2e-${Date.now()}`}@e2e.example.com`;

  // Sign in through the development form.
  await page.goto('/');
  await expect(heading(page)).toHaveText('Sign in');
  await expect(page.getByLabel('Email')).toBeVisible();
  await capture(page, 'signin');
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Sign in as this user' }).click();
  await expect(heading(page)).toHaveText('Upload contact files');
  await expect(page.getByTestId('live')).toHaveText('Live updates on');

  mark('Type and size are refused');
  // Type and size are refused before anything is sent.
  await dropFiles(page, [
    { name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n') },
  ]);
  const informer = page.locator('.uppy-Informer');
  await expect(informer.filter({ hasText: 'You can only upload' }).first()).toContainText('.csv');
  await dropFiles(page, [{ name: 'huge.csv', mimeType: 'text/csv', generatedBytes: 10 * 1024 * 1024 + 1 }]);
  await expect(informer.filter({ hasText: 'exceeds maximum allowed size' }).first()).toBeVisible();
  await expect(page.locator('.uppy-Dashboard-Item')).toHaveCount(0);

  mark('The preview of a dropped CSV');
  // The preview of a dropped CSV; mapping its unused Notes column changes what the records hold.
  await dropFiles(page, [mappingCsv(ROWS, INVALID)]);
  const previewRecords = page.getByTestId('preview-records');
  await expect(previewRecords.locator('tbody tr').first()).toContainText('person1@example.com');
  const notes = page.getByLabel('Notes', { exact: true });
  await expect(notes).toHaveValue('');
  await notes.selectOption('company');
  await expect(previewRecords.locator('tbody tr').first().locator('td[data-field="company"]')).toHaveText(
    'Org 1',
  );
  await capture(page, 'upload');

  mark('Two more formats');
  // Two more formats, then upload all three: progress per file, then live processing to loaded.
  await dropFiles(page, [fixture('vcard-4.0.vcf', 'text/vcard'), fixture('libreoffice-contacts.xlsx', XLSX)]);
  await expect(page.locator('.uppy-Dashboard-Item')).toHaveCount(3);
  await page.locator('.uppy-StatusBar-actionBtn--upload').click();
  await expect(page.locator('.uppy-Dashboard-Item.is-complete')).toHaveCount(3);
  await expect(page.locator('.uppy-StatusBar')).toHaveClass(/is-complete/);
  for (const name of ['mapping.csv', 'vcard-4.0.vcf', 'libreoffice-contacts.xlsx']) {
    await expect(uploadedItem(page, name).locator('.badge')).toHaveText('loaded', { timeout: 90_000 });
    await expect(uploadedItem(page, name).getByRole('progressbar')).toHaveAttribute('value', '100');
  }
  // Every status change arrived through the event stream: the page never had to ask.
  expect(seen.statusPolls).toEqual([]);
  // The mapping chosen for mapping.csv was remembered ("Remember" is on by default); forget it.
  const remembered = page.getByTestId('saved-mappings');
  await expect(remembered.locator('li')).toHaveCount(1);
  await expect(remembered).toContainText('Notes → company');
  await remembered.getByRole('button', { name: 'Forget' }).click();
  await expect(page.getByText('No mapping remembered yet')).toBeVisible();

  mark('A file the API refuses');
  // A file the API refuses shows the API's message on its card; one the worker rejects ends in error.
  const refusal = page.waitForResponse((r) => r.url().endsWith('/api/batches/upload') && r.status() === 400);
  await dropFiles(page, [fixture('garbage.csv', 'text/csv'), fixture('header-only.csv', 'text/csv')]);
  await page.locator('.uppy-StatusBar-actionBtn--upload').click();
  const refusedMessage = ((await (await refusal).json()) as { error: { message: string } }).error.message;
  expect(refusedMessage.length).toBeGreaterThan(10);
  const garbageCard = page.locator('.uppy-Dashboard-Item', { hasText: 'garbage.csv' });
  await expect(garbageCard.getByRole('button', { name: refusedMessage })).toBeVisible();
  await expect(page.getByTestId('refusals')).toContainText(`garbage.csv: ${refusedMessage}`);
  await expect(uploadedItem(page, 'header-only.csv').locator('.badge')).toHaveText('error', {
    timeout: 60_000,
  });

  mark('The list, filtered');
  // The list, filtered by status.
  await page.getByRole('link', { name: 'Batches', exact: true }).click();
  await expect(heading(page)).toHaveText('Your batches');
  await expect(page.locator('tbody tr')).toHaveCount(4);
  await capture(page, 'batches');
  await page.getByLabel('Status').selectOption('error');
  await expect(page.locator('tbody tr')).toHaveCount(1);
  await expect(page.locator('tbody tr')).toContainText('header-only.csv');
  await page.getByLabel('Status').selectOption('');
  await expect(page.locator('tbody tr')).toHaveCount(4);

  mark('One batch');
  // One batch: counts, records with the chosen mapping, paged by cursor; the invalid rows.
  await page.getByRole('link', { name: 'mapping.csv' }).click();
  await expect(page.getByTestId('records-loaded')).toHaveText(String(VALID.length));
  await expect(page.getByTestId('invalid-count')).toHaveText(String(INVALID.length));
  const records = page.getByTestId('records').locator('tbody tr');
  await expect(records).toHaveCount(25);
  await expect(records.first().locator('td[data-field="company"]')).toHaveText('Org 1');
  await expect(records.first().locator('td[data-field="rowNumber"]')).toHaveText(String(VALID[0]));
  const invalid = page.getByTestId('invalid-rows').locator('tbody tr');
  await expect(invalid).toHaveCount(INVALID.length);
  await expect(invalid.first()).toContainText('no name, email or phone');
  await capture(page, 'batch');
  await page.getByRole('button', { name: 'Next records' }).click();
  await expect(records.first().locator('td[data-field="rowNumber"]')).toHaveText(String(VALID[25]));
  await expect(records.first().locator('td[data-field="company"]')).toHaveText(`Org ${VALID[25]}`);
  await page.getByRole('button', { name: 'Previous records' }).click();
  await expect(records.first().locator('td[data-field="rowNumber"]')).toHaveText(String(VALID[0]));

  mark('The errors CSV');
  // The errors CSV, fetched with the bearer header and saved through a blob link.
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Errors CSV' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('mapping-errors.csv');
  const lines = fs
    .readFileSync(await download.path(), 'utf8')
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/);
  expect(lines[0]).toMatch(/^row,reason,/);
  expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(INVALID.map(String));
  expect(lines[1]).toContain('no name, email or phone');

  mark('Fix two invalid rows');
  // Issue #21: two invalid rows fixed in the page; each is checked as it is typed (dry run), and
  // the counts move by the live event once they are saved.
  for (const row of INVALID.slice(0, 2)) {
    await page.getByLabel(`Row ${row} Email`).fill(`fixed${row}@example.com`);
    await expect(page.locator(`tr[data-row="${row}"]`).getByTestId('reason')).toHaveText('OK');
  }
  await page.getByLabel(`Row ${INVALID[2]} Email`).fill('not an address');
  await expect(page.locator(`tr[data-row="${INVALID[2]}"]`).getByTestId('reason')).toContainText(
    'email address is not valid',
  );
  await page.getByLabel(`Row ${INVALID[2]} Email`).fill('');
  await expectAccessible(page, 'the editable invalid rows');
  await page.getByRole('button', { name: 'Save fixes' }).click();
  await expect(page.getByTestId('records-loaded')).toHaveText(String(VALID.length + 2));
  await expect(page.getByTestId('invalid-count')).toHaveText('1');
  await expect(invalid).toHaveCount(1);

  mark('Stats and recent.');
  // Stats and recent.
  await page.getByRole('link', { name: 'Stats' }).click();
  await expect(page.getByTestId('stat-total')).toHaveText('4');
  await expect(page.getByTestId('stat-loaded')).toHaveText('3');
  await expect(page.getByTestId('stat-error')).toHaveText('1');
  await capture(page, 'stats');
  await page.getByRole('link', { name: 'Recent' }).click();
  await expect(page.locator('.recent li')).toHaveCount(4);
  await capture(page, 'recent');

  mark('Retry is offered');
  // Retry is offered only from error, and re-queues the batch; the worker rejects it again.
  await page.getByRole('link', { name: 'header-only.csv' }).click();
  await expect(page.getByTestId('batch-error')).toContainText('no contacts');
  const retried = page.waitForResponse((r) => r.url().endsWith('/retry') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Retry' }).click();
  const retry = await retried;
  expect(retry.status()).toBe(200);
  expect(((await retry.json()) as { status: string }).status).toBe('uploaded');
  await expect(page.locator('main h2 .badge')).toHaveText('error', { timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Retry' })).toBeVisible();

  mark('Delete, behind');
  // Delete, behind a confirmation.
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this batch?' });
  await expect(dialog).toBeVisible();
  await expectAccessible(page, 'the delete confirmation');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await dialog.getByRole('button', { name: 'Delete batch' }).click();
  await expect(heading(page)).toHaveText('Your batches');
  await expect(page.locator('tbody tr')).toHaveCount(3);
  await expect(page.locator('tbody')).not.toContainText('header-only.csv');

  expect(seen.responses.filter((r) => r.status === 429)).toEqual([]);
  // A CSP refusal or a script error shows up here; the failures the journey provoked on purpose
  // (the refused upload, which Uppy also logs, and the HTTP errors it caused) do not.
  const provoked = (text: string) =>
    text.startsWith('Failed to load resource') || text.includes(refusedMessage);
  expect(seen.consoleErrors.filter((text) => !provoked(text))).toEqual([]);
});
