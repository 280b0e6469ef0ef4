import { getCountries, isSupportedCountry, type CountryCode } from 'libphonenumber-js';

/**
 * A row's country cell -> the region its phone numbers are read in, so a German contact in a
 * file of mixed countries gets +49 without the uploader choosing a region.
 *
 * Accepted: an ISO 3166-1 alpha-2 code ("DE", "de") or a country name. libphonenumber has no
 * names, so they come from the runtime's CLDR data (`Intl.DisplayNames`, shipped with Node's
 * ICU) in the languages the header synonyms cover — English, German, French, Spanish — and in
 * each region's own most likely language (CLDR likely subtags: "Deutschland", "日本", "Россия",
 * "Magyarország"), for every region libphonenumber knows, plus the few everyday names CLDR does
 * not use (ALIASES). Anything else gives null and the batch's region applies.
 */

const NAME_LOCALES = ['en', 'de', 'fr', 'es'] as const;

/** Common names that are not CLDR's display names. Keys are in `nameKey` form. */
const ALIASES: Record<string, CountryCode> = {
  usa: 'US',
  us: 'US',
  unitedstatesofamerica: 'US',
  america: 'US',
  uk: 'GB',
  greatbritain: 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  northernireland: 'GB',
  holland: 'NL',
  czechrepublic: 'CZ',
  russianfederation: 'RU',
  korea: 'KR',
};

/**
 * Case, accents, spaces and punctuation removed: "Côte d’Ivoire" -> "cotedivoire". Letters of
 * every script are kept ("Россия" -> "россия"); combining marks are removed after NFKD, which
 * also keeps a name's key the same whether it was written composed or decomposed.
 */
function nameKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/** The region's most likely language ("und-JP" -> "ja"), from the runtime's CLDR data. */
function localLanguage(code: CountryCode): string {
  return new Intl.Locale('und', { region: code }).maximize().language;
}

let byName: Map<string, CountryCode> | null = null;

/** Built on first use (about 1200 names), then kept: the table is the same for every row. */
function namesTable(): Map<string, CountryCode> {
  if (byName === null) {
    const table = new Map<string, CountryCode>();
    for (const locale of NAME_LOCALES) {
      const names = new Intl.DisplayNames([locale], { type: 'region', fallback: 'none' });
      for (const code of getCountries()) {
        const name = names.of(code);
        if (name !== undefined) {
          table.set(nameKey(name), code);
        }
      }
    }
    // Local names never replace a name already taken by the languages above.
    for (const code of getCountries()) {
      const name = new Intl.DisplayNames([localLanguage(code)], { type: 'region', fallback: 'none' }).of(
        code,
      );
      const key = name === undefined ? '' : nameKey(name);
      if (key !== '' && !table.has(key)) {
        table.set(key, code);
      }
    }
    for (const [alias, code] of Object.entries(ALIASES)) {
      table.set(alias, code);
    }
    byName = table;
  }
  return byName;
}

/** The region of a country cell, or null when it names no region libphonenumber knows. */
export function regionOfCountry(country: string | null): CountryCode | null {
  if (country === null) {
    return null;
  }
  const text = country.trim();
  if (/^[a-z]{2}$/i.test(text)) {
    const code = text.toUpperCase();
    if (isSupportedCountry(code)) {
      return code;
    }
  }
  return namesTable().get(nameKey(text)) ?? null;
}
