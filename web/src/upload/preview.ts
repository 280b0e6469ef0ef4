import { authHeader, failure } from '../api.js';

export type Mapping = Record<string, string | null>;

/** The answer of `POST /api/batches/preview`: what the upload would do, with nothing stored. */
export interface Preview {
  format: string;
  /** The text encoding the file was read with: detected, or `encodingOverride`. */
  encoding: string | null;
  encodingOverride: string | null;
  delimiter: string | null;
  /** The header cells as read, in file order; null for vCard, which has none. */
  headerRow: string[] | null;
  /** Header → field; null for vCard, whose properties name their fields. */
  mapping: Mapping | null;
  /** Where the mapping came from: sent, a remembered one whose columns match, or the synonyms. */
  mappingSource: 'request' | 'saved' | 'synonyms' | null;
  unmappedColumns: string[];
  fields: string[];
  phoneRegion: string;
  records: { row: number; record: Record<string, unknown>; issues: string[] }[];
}

/** Text fields go before the file part: the API reads them first, then streams the file. */
export async function requestPreview(
  token: string,
  file: Blob,
  fileName: string,
  phoneRegion: string,
  choices: { mapping?: Mapping | undefined; encoding?: string | undefined },
  signal: AbortSignal,
): Promise<Preview> {
  const form = new FormData();
  form.append('phoneRegion', phoneRegion);
  if (choices.mapping !== undefined) {
    form.append('mapping', JSON.stringify(choices.mapping));
  }
  if (choices.encoding !== undefined) {
    form.append('encoding', choices.encoding);
  }
  form.append('file', file, fileName);
  const response = await fetch('/api/batches/preview', {
    method: 'POST',
    headers: authHeader(token),
    body: form,
    signal,
  });
  if (!response.ok) {
    throw await failure(response);
  }
  return (await response.json()) as Preview;
}
