import {
  getCountries,
  getCountryCallingCode,
  getExampleNumber,
  parsePhoneNumberFromString,
  type CountryCode,
} from 'libphonenumber-js';
import examples from 'libphonenumber-js/mobile/examples';
import { trunkPrefixOf } from '../../src/parsing/normalize/phoneDigits.js';
import { normalizeContact } from '../../src/parsing/normalizeContact.js';

/**
 * The phone property's cases: libphonenumber's example number of every region, written the ways
 * files write numbers (text, a spreadsheet integer, a float, Excel's 6-digit scientific form,
 * with and without the trunk prefix), next to the row's country in English or in the region's
 * own language. The only right answers are the example's E.164 or null.
 */

export const PHONE_FORMS = [
  'international text',
  'E.164',
  'national text',
  'national significant number',
  'trunk prefix + number',
  'integer with country code',
  'integer without country code',
  'integer with trunk prefix',
  'float with country code',
  'float without country code',
  'float with trunk prefix',
  'Excel scientific with country code',
  'exact exponent with country code',
] as const;
export type PhoneForm = (typeof PHONE_FORMS)[number];
export const COUNTRY_LANGUAGES = ['en', 'local'] as const;
export type CountryLanguage = (typeof COUNTRY_LANGUAGES)[number];

export interface PhoneCase {
  region: CountryCode;
  form: PhoneForm;
  language: CountryLanguage;
  phoneCell: string;
  countryCell: string;
  expected: string;
}

/** The deployment's default region, used when a row's country is not understood. */
export const DEFAULT_REGION = 'US';

/** Regions with an example mobile number (a few territories have none). */
export const EXAMPLE_REGIONS: readonly CountryCode[] = getCountries().filter(
  (c) => getExampleNumber(c, examples) !== undefined,
);

const trunkPrefix = trunkPrefixOf;

/** A digit string as the number a spreadsheet stores: leading zeros gone. */
const asInteger = (digits: string): string => BigInt(digits).toString();
/** Python's str(float) for an integral value below 1e16: "4915123456789.0". */
const asFloat = (digits: string): string => `${asInteger(digits)}.0`;

/** Excel's General format for a long number: 6 significant digits, "4.91512E+12". */
function excelScientific(digits: string): string {
  return Number(digits).toExponential(5).toUpperCase();
}

/** An exponent form with every digit: "4.915123456789E+12". */
function exactExponent(digits: string): string {
  const d = asInteger(digits);
  return `${d[0]}.${d.slice(1)}E+${d.length - 1}`;
}

/** The country's name in English, or in the region's most likely language (CLDR). */
export function countryName(region: CountryCode, language: CountryLanguage): string {
  const locale = language === 'en' ? 'en' : new Intl.Locale('und', { region }).maximize().language;
  return new Intl.DisplayNames([locale], { type: 'region', fallback: 'code' }).of(region) ?? region;
}

/**
 * Whether a form writes the example number at all. Two forms write a different number, which no
 * reader could tell from the example, so they are left out:
 * - a stored number that lost digits of the national number itself (Gabon's "06031234" as the
 *   integer 6031234, itself a valid Gabonese number): the writer destroyed it;
 * - "trunk prefix" in a region whose leading 0 belongs to the number (Italy: 0 + 3123456789 is
 *   the valid fixed line +39 03123456789), where there is no trunk prefix to write.
 */
function writesTheNumber(region: CountryCode, form: PhoneForm, cell: string, nsn: string): boolean {
  const storedInteger = form.startsWith('integer') || form.startsWith('float');
  if (storedInteger && !cell.replace(/\.0$/, '').endsWith(nsn)) {
    return false;
  }
  if (form.includes('trunk prefix')) {
    const asWritten = parsePhoneNumberFromString(trunkPrefix(region) + nsn, region);
    return asWritten?.nationalNumber === nsn;
  }
  return true;
}

function phoneCell(region: CountryCode, form: PhoneForm): { cell: string; expected: string } | null {
  const pn = getExampleNumber(region, examples)!;
  const cc = getCountryCallingCode(region);
  const nsn = pn.nationalNumber;
  const trunk = trunkPrefix(region) + nsn;
  const cells: Record<PhoneForm, string> = {
    'international text': pn.formatInternational(),
    'E.164': pn.number,
    'national text': pn.formatNational(),
    'national significant number': nsn,
    'trunk prefix + number': trunk,
    'integer with country code': asInteger(cc + nsn),
    'integer without country code': asInteger(nsn),
    'integer with trunk prefix': asInteger(trunk),
    'float with country code': asFloat(cc + nsn),
    'float without country code': asFloat(nsn),
    'float with trunk prefix': asFloat(trunk),
    'Excel scientific with country code': excelScientific(cc + nsn),
    'exact exponent with country code': exactExponent(cc + nsn),
  };
  const cell = cells[form];
  return writesTheNumber(region, form, cell, nsn) ? { cell, expected: pn.number } : null;
}

/** The case, or null when the form cannot write this region's example (see writesTheNumber). */
export function phoneCase(region: CountryCode, form: PhoneForm, language: CountryLanguage): PhoneCase | null {
  const written = phoneCell(region, form);
  if (written === null) {
    return null;
  }
  const countryCell = countryName(region, language);
  return { region, form, language, phoneCell: written.cell, countryCell, expected: written.expected };
}

/** Every case: regions x forms x languages. */
export function allPhoneCases(): PhoneCase[] {
  return EXAMPLE_REGIONS.flatMap((region) =>
    PHONE_FORMS.flatMap((form) =>
      COUNTRY_LANGUAGES.flatMap((language) => phoneCase(region, form, language) ?? []),
    ),
  );
}

/**
 * What the normaliser makes of the case's row (phone + country cells), in the default region.
 * `as` reads it another way: the country as an ISO code, or no country cell and the batch's
 * region (`phoneRegion`) set to the case's region.
 */
export function readPhone(
  c: PhoneCase,
  as: 'row country' | 'iso code' | 'batch region' = 'row country',
): { phone: string | null; issues: string[] } {
  const country = as === 'row country' ? c.countryCell : as === 'iso code' ? c.region : null;
  const fields = {
    fullName: 'Example Person',
    firstName: null,
    middleName: null,
    lastName: null,
    email: null,
    phone: c.phoneCell,
    company: null,
    title: null,
    street: null,
    city: null,
    region: null,
    postalCode: null,
    country,
  };
  const region = as === 'batch region' ? c.region : DEFAULT_REGION;
  const row = normalizeContact({ rowNumber: 1, fields, original: {}, issues: [] }, region);
  const record = row.record;
  return { phone: record.phone, issues: record.issues };
}

/** Right (the example's E.164) or null with an issue; anything else is a wrong phone. */
export function isWrong(c: PhoneCase, result: { phone: string | null; issues: string[] }): boolean {
  if (result.phone === null) {
    return result.issues.length === 0;
  }
  return result.phone !== c.expected;
}
