// ISO 3166-1 alpha-2 codes: the regions a phone number without a country code may belong to.
const CODES =
  'AD AE AF AG AI AL AM AO AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM ' +
  'FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GT GU GW GY HK HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE ' +
  'JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN ' +
  'MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PR PS PT ' +
  'PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TG TH TJ TK TL ' +
  'TM TN TO TR TT TV TW TZ UA UG US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW';

export const REGIONS: readonly string[] = CODES.split(' ');

const names = new Intl.DisplayNames([navigator.language, 'en'], { type: 'region' });

export function regionName(code: string): string {
  return names.of(code) ?? code;
}

/** The region of the browser's locale (en-GB → GB; a bare "de" → DE by likely subtags), else US. */
export function defaultRegion(): string {
  try {
    const region = new Intl.Locale(navigator.language).maximize().region;
    return region !== undefined && REGIONS.includes(region) ? region : 'US';
  } catch {
    return 'US';
  }
}
