// @vitest-environment happy-dom
/**
 * Issue #21 on the batch page: "Re-read with another mapping" opens the preview of the stored
 * file (POST /api/batches/{id}/preview) and confirming posts /reprocess with the mapping and
 * region chosen there, then shows the answer with the fixes it drops. The API is a stub of fetch
 * that records what the page sent.
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { h } from 'preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Batch } from '../../../web/src/api.js';
import { Reread } from '../../../web/src/pages/Reread.js';

const BATCH = {
  id: '6f1c2b1e-3a4d-4e5f-8a9b-0c1d2e3f4a5b',
  fileName: 'contacts.csv',
  status: 'loaded',
} as Batch;

const previewOf = (body: { mapping?: Record<string, string | null>; phoneRegion?: string }) => {
  const mapping = body.mapping ?? { Name: 'fullName', Firm: 'company' };
  return {
    format: 'csv',
    encoding: 'utf-8',
    encodingOverride: null,
    delimiter: ',',
    headerRow: ['Name', 'Firm'],
    mapping,
    mappingSource: body.mapping ? 'request' : 'synonyms',
    savedMappingId: null,
    unmappedColumns: [],
    fields: ['fullName', 'company', 'city'],
    phoneRegion: body.phoneRegion ?? 'DE',
    regionInference: null,
    records: [{ row: 1, record: { fullName: 'Ada Lovelace', company: 'Analytical Ltd' }, issues: [] }],
  };
};

describe('re-read with another mapping (batch page)', () => {
  let sent: { method: string; path: string; body: unknown }[];
  beforeEach(() => {
    sent = [];
    vi.stubGlobal('fetch', async (input: Request) => {
      const body: unknown = JSON.parse(await input.text());
      const path = new URL(input.url).pathname;
      sent.push({ method: input.method, path, body });
      const fields = Object.values((body as { mapping?: object }).mapping ?? {});
      if (new Set(fields).size < fields.length) {
        const error = { code: 'validation_error', message: 'mapping maps both "Name" and "Firm" to company' };
        return new Response(JSON.stringify({ error }), { status: 400 });
      }
      const answer = path.endsWith('/preview')
        ? previewOf(body as Parameters<typeof previewOf>[0])
        : {
            id: BATCH.id,
            status: 'uploaded',
            version: 7,
            message: 'Batch queued to be read again',
            droppedFixes: 2,
          };
      return new Response(JSON.stringify(answer), {
        status: path.endsWith('/preview') ? 200 : 202,
        headers: { 'content-type': 'application/json' },
      });
    });
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('the button opens the preview of the stored file; confirming posts /reprocess with the chosen mapping and region', async () => {
    const started = vi.fn();
    render(h(Reread, { token: 't', batch: BATCH, onStarted: started }));
    expect(screen.queryByTestId('preview')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Re-read with another mapping' }));
    await screen.findByTestId('preview');
    expect(sent).toEqual([{ method: 'POST', path: `/api/batches/${BATCH.id}/preview`, body: {} }]);

    fireEvent.change(screen.getByLabelText('Firm'), { target: { value: 'city' } });
    await waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1]).toEqual({
      method: 'POST',
      path: `/api/batches/${BATCH.id}/preview`,
      body: { mapping: { Name: 'fullName', Firm: 'city' } },
    });
    await waitFor(() => expect(screen.getByLabelText<HTMLSelectElement>('Firm').value).toBe('city'));
    fireEvent.change(screen.getByLabelText('Phone region for numbers without a country code'), {
      target: { value: 'FR' },
    });
    await waitFor(() =>
      expect(
        screen.getByLabelText<HTMLSelectElement>('Phone region for numbers without a country code').value,
      ).toBe('FR'),
    );

    fireEvent.click(screen.getByRole('button', { name: 'Re-read the file' }));
    await screen.findByTestId('reread-answer');
    expect(sent.at(-1)).toEqual({
      method: 'POST',
      path: `/api/batches/${BATCH.id}/reprocess`,
      body: { mapping: { Name: 'fullName', Firm: 'city' }, phoneRegion: 'FR' },
    });
    expect(screen.getByTestId('reread-answer').textContent).toBe(
      'Batch queued to be read again. 2 fixes of the current reading will be dropped.',
    );
    expect(started).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId('preview')).toBeNull();
  });

  it('a refused choice shows the API’s message and keeps the last preview to change it; no re-read meanwhile', async () => {
    render(h(Reread, { token: 't', batch: BATCH, onStarted: () => undefined }));
    fireEvent.click(screen.getByRole('button', { name: 'Re-read with another mapping' }));
    await screen.findByTestId('preview');
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'company' } });
    expect((await screen.findByRole('alert')).textContent).toBe(
      'mapping maps both "Name" and "Firm" to company',
    );
    expect(screen.getByTestId('preview')).toBeDefined();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Re-read the file' }).disabled).toBe(true);
    expect(sent.filter((s) => s.path.endsWith('/reprocess'))).toEqual([]);
  });

  it('offers no re-read for a batch still being read', () => {
    render(h(Reread, { token: 't', batch: { ...BATCH, status: 'parsing' }, onStarted: () => undefined }));
    expect(screen.queryByRole('button', { name: 'Re-read with another mapping' })).toBeNull();
  });
});
