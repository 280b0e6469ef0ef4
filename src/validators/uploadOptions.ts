import { getCountries, isSupportedCountry } from 'libphonenumber-js';
import { ValidationError } from '../errors.js';
import { MAPPABLE_FIELDS, isMappableField } from '../parsing/headers/fields.js';
import { TEXT_ENCODINGS, isTextEncoding, type TextEncoding } from '../parsing/text/encodings.js';
import type { ColumnMapping } from '../parsing/types.js';

/** What an upload (or a preview) may choose besides the file: multipart text fields before it. */
export interface UploadOptions {
  /** Header -> field used instead of the synonyms; null: the synonyms. */
  mapping: ColumnMapping | null;
  /** ISO 3166-1 alpha-2, upper case; null: the deployment's DEFAULT_PHONE_REGION. */
  phoneRegion: string | null;
  /** CSV/TXT text encoding chosen by the uploader (one of TEXT_ENCODINGS); null: detected. */
  encoding: TextEncoding | null;
  /**
   * Whether a sent `mapping` is remembered for later files with the same headers (issue #21);
   * null: not sent (an upload remembers, a preview does not). Optional in the type so code that
   * builds options without it keeps compiling.
   */
  rememberMapping?: boolean | null;
}

export const NO_UPLOAD_OPTIONS: UploadOptions = {
  mapping: null,
  phoneRegion: null,
  encoding: null,
  rememberMapping: null,
};

export const OPTION_FIELDS = ['phoneRegion', 'mapping', 'encoding', 'rememberMapping'] as const;
export type OptionField = (typeof OPTION_FIELDS)[number];

export function isOptionField(name: string): name is OptionField {
  return (OPTION_FIELDS as readonly string[]).includes(name);
}

export const MAX_MAPPING_ENTRIES = 200;
export const MAX_MAPPING_HEADER_CHARS = 200;
/** Room for the largest valid mapping, even with every header character JSON-escaped. */
export const MAX_OPTION_FIELD_BYTES = 256 * 1024;

/** The regions with a numbering plan: what phoneRegion accepts (declared as an enum). */
export const SUPPORTED_PHONE_REGIONS: readonly string[] = [...getCountries()].sort();

/** "de" -> "DE"; a code libphonenumber has no numbering plan for is refused. */
export function parsePhoneRegion(text: string): string {
  const code = text.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code) || !isSupportedCountry(code)) {
    throw new ValidationError(
      `phoneRegion "${text.slice(0, 20)}" is not a supported ISO 3166-1 alpha-2 region (such as US, DE, GB)`,
    );
  }
  return code;
}

/** `rememberMapping`: "true" or "false" (any case); anything else is a 400. */
export function parseRememberMapping(text: string): boolean {
  const value = text.trim().toLowerCase();
  if (value !== 'true' && value !== 'false') {
    throw new ValidationError(`rememberMapping must be "true" or "false", not "${text.slice(0, 20)}"`);
  }
  return value === 'true';
}

/** "Windows-1250" -> "windows-1250"; only the encodings the parser knows (TEXT_ENCODINGS). */
export function parseEncoding(text: string): TextEncoding {
  const name = text.trim().toLowerCase();
  if (!isTextEncoding(name)) {
    throw new ValidationError(
      `encoding "${text.slice(0, 40)}" is not supported; use one of ${TEXT_ENCODINGS.join(', ')}`,
    );
  }
  return name;
}

function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`mapping is not valid JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError('mapping must be a JSON object of column header -> field name (or null)');
  }
  return value as Record<string, unknown>;
}

/** One entry's problem, or null when it is fine. */
function entryProblem(header: string, field: unknown): string | null {
  if (header.length === 0 || header.length > MAX_MAPPING_HEADER_CHARS) {
    return `mapping header "${header.slice(0, 40)}" must be 1-${MAX_MAPPING_HEADER_CHARS} characters`;
  }
  if (field !== null && !isMappableField(field)) {
    return (
      `mapping maps "${header}" to ${JSON.stringify(field).slice(0, 40)}, which is not a ` +
      `contact field; use one of ${MAPPABLE_FIELDS.join(', ')} or null`
    );
  }
  return null;
}

/**
 * The `mapping` form field: a JSON object of at most 200 headers (1-200 characters each), each
 * mapped to a contact field or null, no field from two headers. Every problem is a 400 naming it.
 */
export function parseMapping(text: string): ColumnMapping {
  const entries = Object.entries(parseJsonObject(text));
  if (entries.length > MAX_MAPPING_ENTRIES) {
    throw new ValidationError(`mapping has ${entries.length} entries; at most ${MAX_MAPPING_ENTRIES}`);
  }
  const headerOf = new Map<string, string>();
  for (const [header, field] of entries) {
    const problem = entryProblem(header, field);
    if (problem !== null) {
      throw new ValidationError(problem);
    }
    if (typeof field === 'string') {
      const other = headerOf.get(field);
      if (other !== undefined) {
        throw new ValidationError(
          `mapping maps both "${other}" and "${header}" to ${field}; map each field from one column`,
        );
      }
      headerOf.set(field, header);
    }
  }
  // fromEntries: a "__proto__" header stays a plain key.
  return Object.fromEntries(entries) as ColumnMapping;
}
