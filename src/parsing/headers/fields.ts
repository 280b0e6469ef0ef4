/** The contact fields a column can map to, and the shape of one synonym entry. */

export type ContactField =
  | 'fullName'
  | 'firstName'
  | 'middleName'
  | 'lastName'
  | 'email'
  | 'phone'
  | 'company'
  | 'title'
  | 'street'
  | 'city'
  | 'region'
  | 'postalCode'
  | 'country';

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
