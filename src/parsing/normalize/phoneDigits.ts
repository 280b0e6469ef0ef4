import { Metadata, parseIncompletePhoneNumber, type CountryCode, type PhoneNumber } from 'libphonenumber-js';

/**
 * Whether a reading of a phone text kept the digits the writer wrote. The only changes a right
 * reading makes are adding "+" and a country code, and dropping what a person dials before the
 * number: the trunk prefix ("0151…" in Germany, "8 912…" in Russia), an international call prefix
 * ("00", "011"), or "(0)" after the country code. Anything else (a national prefix transform, a
 * carrier code, vanity letters, a doubled or swallowed country code) makes a different number
 * that may still be valid, so such a reading is refused rather than guessed.
 */

const metadata = new Metadata();

interface Plan {
  trunkPrefix: string;
  internationalPrefix: RegExp;
}

/**
 * libphonenumber-js's numbering plan has `nationalPrefix()` (the metadata's national_prefix) at
 * runtime but leaves it out of its type declarations. Should it ever go, the trunk prefix would
 * read as '' and the unit tests reading "0151 …" in Germany fail.
 */
interface PlanWithTrunk {
  nationalPrefix?: () => string | undefined;
}

const plans = new Map<string, Plan>();

function planOf(region: CountryCode): Plan {
  let plan = plans.get(region);
  if (plan === undefined) {
    metadata.selectNumberingPlan(region);
    const np = metadata.numberingPlan;
    plan = {
      trunkPrefix: (np as PlanWithTrunk | undefined)?.nationalPrefix?.() ?? '',
      internationalPrefix: new RegExp(`^(?:00|${np?.IDDPrefix() ?? '00'})$`),
    };
    plans.set(region, plan);
  }
  return plan;
}

/** The region's trunk prefix ("0" in Germany, "8" in Russia, "1" in the US), or ''. */
export function trunkPrefixOf(region: CountryCode): string {
  return planOf(region).trunkPrefix;
}

/** The digits of a text as libphonenumber sees them (any script's digits, ASCII out). */
export function writtenDigits(text: string): string {
  return parseIncompletePhoneNumber(text).replace(/^\+/, '');
}

/** True when `pn`, read from `text` in `region`, has exactly the digits written (see above). */
export function keepsDigits(text: string, pn: PhoneNumber, region: CountryCode | undefined): boolean {
  let digits = writtenDigits(text);
  if (pn.ext !== undefined) {
    if (!digits.endsWith(pn.ext)) {
      return false;
    }
    digits = digits.slice(0, -pn.ext.length);
  }
  const nsn = pn.nationalNumber;
  if (!digits.endsWith(nsn)) {
    return false;
  }
  const before = digits.slice(0, digits.length - nsn.length);
  const cc = pn.countryCallingCode;
  const own = pn.country ?? region;
  const trunk = own === undefined ? '' : planOf(own).trunkPrefix;
  if (before === '' || before === cc || (trunk !== '' && before === trunk)) {
    return true;
  }
  // "+44 (0)20 …": only when the "(0)" is written; in bare digits it would be a guess.
  if (trunk !== '' && before === cc + trunk && /\(\s*0\s*\)/.test(text)) {
    return true;
  }
  const dialled = region === undefined ? /^00$/ : planOf(region).internationalPrefix;
  return before.endsWith(cc) && dialled.test(before.slice(0, before.length - cc.length));
}
