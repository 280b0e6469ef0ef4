import type { paths } from '../../../src/client/index.js';
import type { Check, Edit, Field } from './useInvalidRowFixes.js';

export type InvalidRowView =
  paths['/api/batches/{id}/invalid-rows']['get']['responses'][200]['content']['application/json']['rows'][number];

const FIELDS: [Field, string][] = [
  ['fullName', 'Name'],
  ['email', 'Email'],
  ['phone', 'Phone'],
];

/** The invalid rows with their reasons; the fields are inputs while the batch is editable. */
export function InvalidRowsTable({
  rows,
  editable,
  edits,
  checks,
  onEdit,
}: {
  rows: InvalidRowView[];
  editable: boolean;
  edits: Record<number, Edit>;
  checks: Record<number, Check>;
  onEdit: (row: number, field: Field, value: string) => void;
}) {
  return (
    <div class="scroll" tabIndex={0} role="region" aria-label="Invalid rows">
      <table data-testid="invalid-rows">
        <thead>
          <tr>
            <th scope="col">Row</th>
            {FIELDS.map(([field, label]) => (
              <th key={field} scope="col">
                {label}
              </th>
            ))}
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.row} data-row={r.row}>
              <td>{r.row}</td>
              {FIELDS.map(([field, label]) => (
                <td key={field}>
                  {editable ? (
                    <input
                      aria-label={`Row ${r.row} ${label}`}
                      value={edits[r.row]?.[field] ?? r.record[field] ?? ''}
                      onInput={(e) => onEdit(r.row, field, e.currentTarget.value)}
                    />
                  ) : (
                    (r.record[field] ?? '')
                  )}
                </td>
              ))}
              <td data-testid="reason">
                {checks[r.row]
                  ? checks[r.row]!.status === 'invalid'
                    ? checks[r.row]!.reasons.join('; ')
                    : 'OK'
                  : r.reason}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
