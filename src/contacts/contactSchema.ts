/**
 * The contact record, field by field: the one place that says which fields a contact has, how
 * each is typed, where each is stored and what its CSV heading is. Everything else is derived:
 * the `ContactRecord` type, both records stores' columns, statements and row mapping, the
 * Cassandra DDL and its live-column check, the CSV headings and the API response schema.
 * How to add a field: docs/architecture-fields.md.
 */

/** How a field's value is represented; decides its TypeScript type and each store's column type. */
export type FieldKind = 'rowNumber' | 'text' | 'columns' | 'issues';

/** The TypeScript value of each kind. */
interface KindValue {
  rowNumber: number;
  text: string | null;
  /** Every original column of the input row (header -> cell text), in file order. */
  columns: Record<string, string>;
  issues: string[];
}

/** Column types per kind; `columns` is JSON text in Cassandra (one cell, keeps column order). */
export const KIND_COLUMN_TYPES = {
  rowNumber: { postgres: 'integer', cassandra: 'int' },
  text: { postgres: 'text', cassandra: 'text' },
  columns: { postgres: 'jsonb', cassandra: 'text' },
  // frozen: one cell, so overwriting it writes no range tombstone (a non-frozen list would).
  issues: { postgres: 'jsonb', cassandra: 'frozen<list<text>>' },
} as const satisfies Record<FieldKind, { postgres: string; cassandra: string }>;

export interface FieldSpec {
  kind: FieldKind;
  postgres: string;
  cassandra: string;
  csvHeading: string;
  /**
   * Cassandra only: the bit in `null_mask` that says "no value" (null text, empty issues), so
   * the column is left unset instead of writing a tombstone. Part of the stored data layout:
   * never renumber; a new field takes the next free bit.
   */
  nullBit?: number;
  /** Text fields only: the form every non-null value has (a JSON Schema / RegExp pattern). */
  pattern?: string;
  /**
   * Text fields only: where the field lives in a vCard (RFC 6350), read from `.vcf` uploads
   * (src/parsing/vcard/cardToRow.ts) and written to `records.vcf` (src/parsing/vcardOutput.ts).
   * Without it a field is null from a `.vcf` and left out of `records.vcf`.
   */
  vcard?: VcardBinding;
}

/**
 * A property (`TITLE`), or one component of a structured property (`N` component 1 is the given
 * name). Of several properties of one name, the preferred one is read (PREF, TYPE=pref).
 */
export interface VcardBinding {
  property: string;
  component?: number;
}

function text(
  column: string,
  csvHeading: string,
  nullBit: number,
  more: { vcard?: VcardBinding; pattern?: string } = {},
): FieldSpec & { kind: 'text' } {
  return { kind: 'text', postgres: column, cassandra: column, csvHeading, nullBit, ...more };
}

/** E.164: "+", a country code not starting with 0, at most 15 digits in all. */
export const E164_PATTERN = '^\\+[1-9][0-9]{1,14}$';

/** Field order is the record's key order (JSON answers) and the CSV column order. */
export const CONTACT_FIELDS = {
  /** 1-based data row (CSV/XLS: row after the header; VCF: card number). */
  rowNumber: { kind: 'rowNumber', postgres: 'row_number', cassandra: 'row_number', csvHeading: 'row' },
  fullName: text('full_name', 'Full Name', 0, { vcard: { property: 'FN' } }),
  firstName: text('first_name', 'First Name', 1, { vcard: { property: 'N', component: 1 } }),
  lastName: text('last_name', 'Last Name', 2, { vcard: { property: 'N', component: 0 } }),
  /** Trimmed, domain lower-cased, validated. */
  email: text('email', 'E-mail Address', 3, { vcard: { property: 'EMAIL' } }),
  /**
   * E.164 or null, never raw text: a number that could not be read stays in `original` and an
   * issue says why (see src/parsing/normalize/phone.ts).
   */
  phone: text('phone', 'Phone', 4, { vcard: { property: 'TEL' }, pattern: E164_PATTERN }),
  company: text('company', 'Company', 5, { vcard: { property: 'ORG', component: 0 } }),
  title: text('title', 'Job Title', 6, { vcard: { property: 'TITLE' } }),
  // ADR components: PO box; extended address; street; locality; region; postal code; country.
  street: text('street', 'Street', 7, { vcard: { property: 'ADR', component: 2 } }),
  city: text('city', 'City', 8, { vcard: { property: 'ADR', component: 3 } }),
  region: text('region', 'State', 9, { vcard: { property: 'ADR', component: 4 } }),
  postalCode: text('postal_code', 'Postal Code', 10, { vcard: { property: 'ADR', component: 5 } }),
  country: text('country', 'Country', 11, { vcard: { property: 'ADR', component: 6 } }),
  /** Every original column, so nothing of the input is lost. */
  original: { kind: 'columns', postgres: 'original', cassandra: 'original', csvHeading: 'Original Columns' },
  /** Non-fatal problems found in the row (e.g. "phone could not be parsed: 12ab"). */
  issues: { kind: 'issues', postgres: 'issues', cassandra: 'issues', csvHeading: 'Issues', nullBit: 12 },
} as const satisfies Record<string, FieldSpec>;

type Fields = typeof CONTACT_FIELDS;
export type ContactField = keyof Fields;

/** One normalised contact, ready for the records store (derived from CONTACT_FIELDS). */
export type ContactRecord = { [F in ContactField]: KindValue[Fields[F]['kind']] };

/** The fields whose kind is `text` (nullable strings). */
export type TextField = { [F in ContactField]: Fields[F]['kind'] extends 'text' ? F : never }[ContactField];

export interface FieldEntry {
  name: ContactField;
  spec: FieldSpec;
}

/** Every field in record order. */
export const FIELD_LIST: readonly FieldEntry[] = Object.entries(CONTACT_FIELDS).map(([name, spec]) => ({
  name: name as ContactField,
  spec,
}));

/** The nullable text fields in record order. */
export const TEXT_FIELDS: readonly TextField[] = FIELD_LIST.filter((f) => f.spec.kind === 'text').map(
  (f) => f.name as TextField,
);
