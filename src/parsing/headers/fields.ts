import { TEXT_FIELDS, type TextField } from '../../contacts/contactSchema.js';

/** The contact fields a column can map to, and the shape of one synonym entry. */

/**
 * Every text field of the contact schema, plus `middleName`: read from a column only to complete
 * the full name ("First Middle Last"), never stored on its own.
 */
export type ContactField = TextField | 'middleName';
/** The name other modules use: a field a column can be mapped to. */
export type MappableField = ContactField;

/** The fields a column can map to, in record order (middleName after firstName). */
export const MAPPABLE_FIELDS: readonly ContactField[] = TEXT_FIELDS.flatMap((f): ContactField[] =>
  f === 'firstName' ? [f, 'middleName'] : [f],
);

export function isMappableField(value: unknown): value is ContactField {
  return (MAPPABLE_FIELDS as readonly unknown[]).includes(value);
}

export type AddressField = 'street' | 'city' | 'region' | 'postalCode' | 'country';
export const ADDRESS_FIELDS: readonly AddressField[] = ['street', 'city', 'region', 'postalCode', 'country'];

export function isAddressField(field: ContactField): field is AddressField {
  return (ADDRESS_FIELDS as readonly string[]).includes(field);
}

export type Group = 'mobile' | 'business' | 'home' | 'other';

export interface BaseSynonym {
  field: ContactField;
  priority: number;
  /** Used only when no other column maps to the field (Outlook's "Title" is Mr./Ms.). */
  weak?: boolean;
  /** "Name"/"Nom"/"Nombre": full name, or the missing half next to a first/last name column. */
  ambiguousName?: boolean;
}

/** A normalised header (words joined without spaces) and what it means. */
export type Synonym = readonly [string, BaseSynonym];

/** Synonym entries for several spellings of one field with one priority. */
export function syn(
  field: ContactField,
  priority: number,
  words: string[],
  extra: Partial<BaseSynonym> = {},
): Synonym[] {
  return words.map((w) => [w, { field, priority, ...extra }] as const);
}
