import type { ColumnMapping } from '../types.js';
import { isAddressField, type AddressField, type ContactField } from './fields.js';
import { mapHeaders, type HeaderMapping } from './mapHeaders.js';

/**
 * The uploader's mapping in the form the row builder uses. Only the columns it names are mapped;
 * every other column is unmapped (its value stays in `original`), so the synonyms never add a
 * column the person did not choose. Names are matched exactly, as the preview lists them.
 */
export function mappingFromOverride(names: readonly string[], override: ColumnMapping): HeaderMapping {
  const fields = new Map<ContactField, number[]>();
  const address: Partial<Record<AddressField, number[]>> = {};
  const columns = names.map((name, column): ContactField | null => {
    const field = Object.hasOwn(override, name) ? (override[name] ?? null) : null;
    if (field === null) {
      return null;
    }
    if (isAddressField(field)) {
      (address[field] ??= []).push(column);
    } else {
      fields.set(field, [...(fields.get(field) ?? []), column]);
    }
    return field;
  });
  const recognised = (['fullName', 'firstName', 'lastName', 'email', 'phone'] as const).some((f) =>
    fields.has(f),
  );
  // One address: every address field the person mapped is read together.
  const addressGroups = Object.keys(address).length > 0 ? [{ key: 'mapping', columns: address }] : [];
  return { fields, addressGroups, recognised, columns };
}

/** The mapping the rows are read with: the uploader's when given, else the synonyms'. */
export function headerMapping(
  names: readonly string[],
  override: ColumnMapping | null | undefined,
): HeaderMapping {
  return override ? mappingFromOverride(names, override) : mapHeaders(names);
}

/** Column name -> field, in column order (a "__proto__" header stays plain data). */
export function describeMapping(names: readonly string[], mapping: HeaderMapping): ColumnMapping {
  return Object.fromEntries(names.map((name, i) => [name, mapping.columns[i] ?? null]));
}
