import {
  ADDRESS_FIELDS,
  isAddressField,
  MAPPABLE_FIELDS,
  type AddressField,
  type ContactField,
} from './fields.js';
import { matchHeader, type ColumnMatch } from './matchHeader.js';

export interface HeaderMapping {
  /** Candidate columns per non-address field, best first. */
  fields: Map<ContactField, number[]>;
  /** Address groups, best first; each maps address fields to candidate columns. */
  addressGroups: { key: string; columns: Partial<Record<AddressField, number[]>> }[];
  /** At least one name, email or phone column. */
  recognised: boolean;
  /** Mapped field per column (the spreadsheet reader counts them to find the header row). */
  columns: (ContactField | null)[];
}

/**
 * Resolves matches that depend on the other columns:
 * - "Name"/"Nom"/"Nombre" next to only a first-name column is the last name (German, French
 *   exports), next to only a last-name column it is the first name (Spanish "Nombre"/"Apellido");
 * - a weak synonym ("Title") is dropped when a strong one ("Job Title") exists.
 */
function resolveInContext(all: readonly ColumnMatch[]): ColumnMatch[] {
  let matches = [...all];
  const has = (f: ContactField) => matches.some((m) => m.field === f && !m.ambiguousName);
  if (matches.some((m) => m.ambiguousName)) {
    const hasFirst = has('firstName');
    const hasLast = has('lastName');
    const target: ContactField =
      hasFirst && !hasLast ? 'lastName' : hasLast && !hasFirst ? 'firstName' : 'fullName';
    matches = matches.map((m) => (m.ambiguousName ? { ...m, field: target } : m));
  }
  return matches.filter((m) => !m.weak || !matches.some((o) => o.field === m.field && !o.weak));
}

interface AddressGroup {
  key: string;
  priority: number;
  columns: Partial<Record<AddressField, number[]>>;
}

/** Candidate columns per field and per address group, best (lowest priority) first. */
function candidates(matches: readonly ColumnMatch[]): {
  fields: Map<ContactField, number[]>;
  groups: AddressGroup[];
} {
  const byPriority = (a: ColumnMatch, b: ColumnMatch) => a.priority - b.priority || a.column - b.column;
  const fields = new Map<ContactField, number[]>();
  const groups = new Map<string, AddressGroup>();
  for (const m of [...matches].sort(byPriority)) {
    if (m.addressGroup !== undefined) {
      let g = groups.get(m.addressGroup);
      if (!g) {
        g = { key: m.addressGroup, priority: m.priority, columns: {} };
        groups.set(m.addressGroup, g);
      }
      (g.columns[m.field as AddressField] ??= []).push(m.column);
    } else {
      const list = fields.get(m.field) ?? [];
      list.push(m.column);
      fields.set(m.field, list);
    }
  }
  return { fields, groups: [...groups.values()].sort((a, b) => a.priority - b.priority) };
}

export function mapHeaders(headers: readonly string[]): HeaderMapping {
  const matches = resolveInContext(
    headers.map((h, i) => matchHeader(h, i)).filter((m): m is ColumnMatch => m !== null),
  );
  const { fields, groups } = candidates(matches);
  const columns: (ContactField | null)[] = headers.map(() => null);
  for (const m of matches) {
    columns[m.column] = m.field;
  }
  const recognised = (['fullName', 'firstName', 'lastName', 'email', 'phone'] as const).some((f) =>
    fields.has(f),
  );
  return { fields, addressGroups: groups, recognised, columns };
}

export type MappedFields = Record<ContactField, string | null>;

/** The fields read from their own columns (address parts come from one address group). */
const DIRECT_FIELDS = MAPPABLE_FIELDS.filter((f) => !isAddressField(f));

/** Picks each field's value for one row: the first non-empty candidate column wins. */
export function pickFields(mapping: HeaderMapping, cells: readonly string[]): MappedFields {
  const first = (cols: readonly number[] | undefined): string | null => {
    for (const c of cols ?? []) {
      const v = cells[c]?.trim();
      if (v) {
        return v;
      }
    }
    return null;
  };
  const field = (f: ContactField) => first(mapping.fields.get(f));
  // Every mappable field (the contact schema's text fields): address parts come from one group below.
  const out = {} as MappedFields;
  for (const f of DIRECT_FIELDS) {
    out[f] = field(f);
  }
  for (const f of ADDRESS_FIELDS) {
    out[f] = null;
  }
  // Take all address parts from the best address group that has any value in this row, so a
  // business street is never combined with a home city.
  for (const g of mapping.addressGroups) {
    const parts = ADDRESS_FIELDS.map((f) => [f, first(g.columns[f])] as const);
    if (parts.some(([, v]) => v !== null)) {
      for (const [f, v] of parts) {
        out[f] = v;
      }
      break;
    }
  }
  return out;
}
