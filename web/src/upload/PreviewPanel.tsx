import { TEXT_ENCODINGS } from '../../../src/parsing/text/encodings.js';
import type { Mapping, Preview } from './preview.js';

const IGNORE = '';

/** A normalised field is text, a number or null; anything else is not shown. */
function cell(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

function MappingEditor({
  preview,
  onChange,
}: {
  preview: Preview;
  onChange: (header: string, field: string | null) => void;
}) {
  const { mapping } = preview;
  const headers = preview.headerRow ?? [];
  if (mapping === null || headers.length === 0) {
    return (
      <p class="hint">This file has no header row to map: its fields are read by their names (vCard).</p>
    );
  }
  return (
    <fieldset class="mapping">
      <legend>Columns → contact fields</legend>
      {headers.map((header, index) => (
        <div key={`${index}-${header}`} class="mapping-row">
          <label for={`map-${index}`}>{header}</label>
          <select
            id={`map-${index}`}
            value={mapping[header] ?? IGNORE}
            onChange={(e) =>
              onChange(header, e.currentTarget.value === IGNORE ? null : e.currentTarget.value)
            }
          >
            <option value={IGNORE}>(not used)</option>
            {preview.fields.map((field) => (
              <option key={field} value={field}>
                {field}
              </option>
            ))}
          </select>
        </div>
      ))}
    </fieldset>
  );
}

function SampleTable({ preview }: { preview: Preview }) {
  const fields = preview.fields.filter((field) => preview.records.some((r) => cell(r.record[field]) !== ''));
  return (
    <div class="scroll" tabIndex={0} role="region" aria-label="Preview of the first records">
      <table data-testid="preview-records">
        <thead>
          <tr>
            <th scope="col">Row</th>
            {fields.map((field) => (
              <th key={field} scope="col">
                {field}
              </th>
            ))}
            <th scope="col">Issues</th>
          </tr>
        </thead>
        <tbody>
          {preview.records.map(({ row, record, issues }) => (
            <tr key={row}>
              <td>{row}</td>
              {fields.map((field) => (
                <td key={field} data-field={field}>
                  {cell(record[field])}
                </td>
              ))}
              <td>{issues.join('; ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * CSV/TXT: the encoding the file was read with, detected unless chosen here; choosing another
 * previews the file again in it and sends it with the upload.
 */
function EncodingChoice({ preview, onChange }: { preview: Preview; onChange: (encoding: string) => void }) {
  if ((preview.format !== 'csv' && preview.format !== 'txt') || preview.encoding === null) {
    return null;
  }
  return (
    <p>
      <label for="text-encoding">
        Text encoding ({preview.encodingOverride === null ? 'detected' : 'chosen'})
      </label>{' '}
      <select id="text-encoding" value={preview.encoding} onChange={(e) => onChange(e.currentTarget.value)}>
        {TEXT_ENCODINGS.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </p>
  );
}

export function PreviewPanel({
  fileName,
  preview,
  onMappingChange,
  onEncodingChange,
}: {
  fileName: string;
  preview: Preview;
  onMappingChange: (mapping: Mapping) => void;
  /** Absent: no encoding choice (a re-read keeps the batch's encoding, issue #21). */
  onEncodingChange?: (encoding: string) => void;
}) {
  const details = [
    preview.format,
    preview.encoding,
    preview.delimiter !== null && `delimiter ${JSON.stringify(preview.delimiter)}`,
    preview.headerRow !== null && `${preview.headerRow.length} columns`,
  ].filter(Boolean);
  return (
    <div data-testid="preview">
      <p>
        <strong>{fileName}</strong>: {details.join(', ')}
      </p>
      {onEncodingChange && <EncodingChoice preview={preview} onChange={onEncodingChange} />}
      {preview.mappingSource === 'saved' && (
        <p class="hint" data-testid="saved-mapping-used">
          Read with a mapping you saved for files with these columns.
        </p>
      )}
      {preview.unmappedColumns.length > 0 && (
        <p class="hint">Not used: {preview.unmappedColumns.join(', ')}</p>
      )}
      <MappingEditor
        preview={preview}
        onChange={(header, field) => onMappingChange({ ...preview.mapping, [header]: field })}
      />
      <SampleTable preview={preview} />
    </div>
  );
}
