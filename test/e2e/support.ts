import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, type JSHandle, type Page } from '@playwright/test';

export const FIXTURES = path.resolve('test/fixtures/contacts');
export const SCREENSHOTS = path.resolve('docs/screenshots');
export const WIDTHS = [1280, 390] as const;

/** A file to drop: its bytes, or a size for a file of that many bytes made in the page itself. */
export type DropFile = { name: string; mimeType: string } & ({ buffer: Buffer } | { generatedBytes: number });

export function fixture(name: string, mimeType: string): DropFile {
  return { name, mimeType, buffer: fs.readFileSync(path.join(FIXTURES, name)) };
}

/**
 * A CSV whose `Notes` column no synonym maps (so the preview leaves it unused), with rows that
 * have no name, email or phone (so the batch has invalid rows and an errors CSV).
 */
export function mappingCsv(rows: number, invalidRows: readonly number[]): DropFile {
  const lines = ['Name,Email,Phone,Notes'];
  // Rows count from 1 at the first data line, as the records' rowNumber does.
  for (let row = 1; row <= rows; row++) {
    lines.push(
      invalidRows.includes(row)
        ? `,,,nobody ${row}`
        : `Person ${row},person${row}@example.com,+1 415 555 ${String(1000 + row)},Org ${row}`,
    );
  }
  return { name: 'mapping.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n') + '\n') };
}

/**
 * Puts the files in the page as a DataTransfer, ready to drop (their bytes cross from the test to
 * the browser here, which for 10 MB takes seconds: not part of what a drop costs a user).
 */
export async function filesInPage(page: Page, files: readonly DropFile[]): Promise<JSHandle<DataTransfer>> {
  const payload = files.map((f) => ({
    name: f.name,
    type: f.mimeType,
    ...('buffer' in f
      ? { base64: f.buffer.toString('base64'), size: 0 }
      : { base64: '', size: f.generatedBytes }),
  }));
  return page.evaluateHandle((list) => {
    const transfer = new DataTransfer();
    for (const f of list) {
      const bytes =
        f.size > 0
          ? new Uint8Array(f.size).fill(97)
          : Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
      transfer.items.add(new File([bytes], f.name, { type: f.type }));
    }
    return transfer;
  }, payload);
}

/** Drops files already in the page (filesInPage) onto Uppy's Dashboard, as a browser does. */
export async function dropInPage(page: Page, dataTransfer: JSHandle<DataTransfer>): Promise<void> {
  await page.dispatchEvent('.uppy-Dashboard-inner', 'dragover', { dataTransfer });
  await page.dispatchEvent('.uppy-Dashboard-inner', 'drop', { dataTransfer });
}

/** Drops files onto Uppy's Dashboard the way a browser does: a drop event carrying a DataTransfer. */
export async function dropFiles(page: Page, files: readonly DropFile[]): Promise<void> {
  await dropInPage(page, await filesInPage(page, files));
}

/** No serious or critical axe violation; the message lists what was found. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.nodes.map((n) => `${n.target.join(' ')} ${n.html.slice(0, 160)}`).join(' | ')}`,
    );
  expect(bad, `axe on ${what}`).toEqual([]);
}

/** At 1280 and 390 px: an axe scan, no sideways scrolling, a screenshot into docs/screenshots. */
export async function capture(page: Page, name: string): Promise<void> {
  const original = page.viewportSize() ?? { width: 1280, height: 900 };
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    // Both widths: Uppy's narrow layout has colours of its own (axe found one only at 390 px).
    await expectAccessible(page, `${name} at ${width} px`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${name} at ${width} px scrolls sideways`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(original);
}
