/**
 * The page's rules for answers and live events that arrive out of order (issue #18): seen in the
 * browser journey, a GET that read `parsing` landed after the `error` event and the page showed
 * `parsing` for good. These drive the same functions the pages use (useLoad's `settle`, the
 * detail page's `newest`/`applyChange`, the list's `mergeRows`).
 */
import { describe, expect, it } from 'vitest';
import { settle, type Load } from '../../../web/src/loadState.js';
import { applyChange, mergeRows, newest } from '../../../web/src/versions.js';

interface Row {
  id: string;
  version: number;
  status: string;
  progress: number;
  fileName: string;
}

const row = (version: number, status: string, id = 'b1'): Row => ({
  id,
  version,
  status,
  progress: status === 'loaded' ? 100 : 0,
  fileName: 'header-only.csv',
});
const ready = <T>(data: T): Load<T> => ({ state: 'ready', data, refreshing: true });
const shown = <T>(load: Load<T>): T => {
  if (load.state !== 'ready') {
    throw new Error(`expected a ready load, got ${load.state}`);
  }
  return load.data;
};

describe('batch page: an older answer never overwrites a newer live event', () => {
  it('keeps `error` when the reload answer that read `parsing` arrives after the error event', () => {
    // Retry answered (v4, uploaded) -> reload sent; the worker writes parsing (v5) and error (v6).
    let page: Load<Row> = ready(row(4, 'uploaded'));
    const { fileName: _name, ...errorEvent } = row(6, 'error');
    page = ready(applyChange(shown(page), errorEvent));
    expect(shown(page).status).toBe('error');
    // The reload's answer, read while the worker was parsing, lands last.
    page = settle(page, row(5, 'parsing'), newest);
    expect(shown(page)).toEqual(row(6, 'error'));
    expect(page).toEqual({ state: 'ready', data: row(6, 'error'), refreshing: false });
  });

  it('takes an answer newer than what is shown, and the first answer of a page', () => {
    expect(shown(settle(ready(row(5, 'parsing')), row(6, 'error'), newest)).status).toBe('error');
    expect(shown(settle({ state: 'loading' }, row(2, 'parsing'), newest)).status).toBe('parsing');
  });

  it('ignores a live event older than the batch shown, and one about another batch', () => {
    const current = row(7, 'loaded');
    expect(applyChange(current, { id: 'b1', version: 6, status: 'parsing' })).toBe(current);
    expect(applyChange(current, { id: 'b2', version: 9, status: 'error' })).toBe(current);
    expect(applyChange(current, { id: 'b1', version: 8, status: 'error' }).status).toBe('error');
  });
});

describe('batch list: a fresh page keeps the rows a live event made newer', () => {
  it('merges row by row, by version', () => {
    const list = [row(6, 'error', 'a'), row(2, 'parsing', 'b')];
    const answer = [row(5, 'parsing', 'a'), row(3, 'loaded', 'b'), row(1, 'uploaded', 'c')];
    expect(mergeRows(list, answer)).toEqual([
      row(6, 'error', 'a'),
      row(3, 'loaded', 'b'),
      row(1, 'uploaded', 'c'),
    ]);
  });
});
