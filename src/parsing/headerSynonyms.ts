/**
 * Header -> contact field mapping through synonyms.
 *
 * A header is normalised (accents removed, ß -> ss, lower case, `-` `_` `.` `'` removed, split
 * into words on anything else), then:
 * 1. the whole word sequence is looked up in BASE ("businessname", "emailadresse", ...);
 * 2. otherwise "group" words (mobile/business/home/other and their German, French and Spanish
 *    equivalents) and numbers are removed and the rest is looked up, so "Business Phone 2",
 *    "Telefon geschäftlich", "E-mail 2 Address", "Address 1 - Street" and "Email (Work)" all
 *    resolve without listing every combination.
 * The priority decides between several columns of one field: lower wins; e.g. mobile phone (0)
 * beats business (2) beats home (4). Per row the first non-empty candidate wins.
 */

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
const ADDRESS_FIELDS: readonly AddressField[] = ['street', 'city', 'region', 'postalCode', 'country'];

type Group = 'mobile' | 'business' | 'home' | 'other';

interface BaseSynonym {
  field: ContactField;
  priority: number;
  /** Used only when no other column maps to the field (Outlook's "Title" is Mr./Ms.). */
  weak?: boolean;
  /** "Name"/"Nom"/"Nombre": full name, or the missing half next to a first/last name column. */
  ambiguousName?: boolean;
}

export interface ColumnMatch extends BaseSynonym {
  column: number;
  /** Address group key (fields of one address are taken together). */
  addressGroup?: string;
}

function syn(field: ContactField, priority: number, words: string[], extra: Partial<BaseSynonym> = {}) {
  return words.map((w) => [w, { field, priority, ...extra }] as const);
}

/** Keys are normalised headers (see normalizeHeader) joined without spaces. */
const BASE = new Map<string, BaseSynonym>([
  // names
  ...syn('fullName', 0, [
    'fullname',
    'displayname',
    'contactname',
    'contact',
    'nomcomplet',
    'nombrecompleto',
    'vollstandigername',
    'vollername',
    'anzeigename',
  ]),
  ...syn('fullName', 1, ['name', 'nom', 'nombre'], { ambiguousName: true }),
  ...syn('firstName', 0, [
    'firstname',
    'first',
    'givenname',
    'forename',
    'vorname',
    'rufname',
    'prenom',
    'primernombre',
  ]),
  ...syn('middleName', 0, ['middlename', 'additionalname', 'weiterevornamen', 'secondname', 'segundonombre']),
  ...syn('lastName', 0, [
    'lastname',
    'last',
    'surname',
    'familyname',
    'nachname',
    'familienname',
    'nomdefamille',
    'apellido',
    'apellidos',
  ]),
  // email
  ...syn('email', 0, [
    'email',
    'emailaddress',
    'mail',
    'emailadresse',
    'emailadr',
    'courriel',
    'adresseemail',
    'adressecourriel',
    'adresseelectronique',
    'adressemail',
    'correo',
    'correoelectronico',
    'direcciondecorreo',
    'direcciondecorreoelectronico',
  ]),
  // phone
  ...syn('phone', 0, ['mobiltelefon', 'mobilnummer', 'handynummer', 'mobilephonenumber', 'cellphonenumber']),
  ...syn('phone', 1, ['primaryphone', 'primarytelephone']),
  ...syn('phone', 1.5, [
    'phone',
    'phonenumber',
    'telephone',
    'telephonenumber',
    'tel',
    'telefon',
    'telefonnummer',
    'numerodetelephone',
    'telefono',
    'numerodetelefono',
  ]),
  ...syn('phone', 3, ['companymainphone']),
  // company & title
  ...syn('company', 0, [
    'company',
    'companyname',
    'organization',
    'organisation',
    'organizationname',
    'organisationname',
    'org',
    'businessname',
    'employer',
    'firm',
    'firma',
    'firmenname',
    'unternehmen',
    'societe',
    'entreprise',
    'empresa',
    'compania',
    'organizacion',
  ]),
  ...syn('title', 0, [
    'jobtitle',
    'organizationtitle',
    'organisationtitle',
    'position',
    'role',
    'jobrole',
    'funktion',
    'berufsbezeichnung',
    'fonction',
    'poste',
    'cargo',
    'puesto',
  ]),
  ...syn('title', 1, ['title', 'titre'], { weak: true }),
  // address
  ...syn('street', 0, [
    'street',
    'streetaddress',
    'address',
    'addressline1',
    'addressstreet',
    'strasse',
    'strasseundhausnummer',
    'anschrift',
    'adresse',
    'rue',
    'calle',
    'direccion',
    'domicilio',
  ]),
  ...syn('city', 0, [
    'city',
    'town',
    'locality',
    'addresscity',
    'ort',
    'stadt',
    'wohnort',
    'ville',
    'ciudad',
    'localidad',
  ]),
  ...syn('region', 0, [
    'state',
    'province',
    'region',
    'county',
    'stateprovince',
    'addressregion',
    'bundesland',
    'provincia',
    'estado',
  ]),
  ...syn('postalCode', 0, [
    'zip',
    'zipcode',
    'postalcode',
    'postcode',
    'addresspostalcode',
    'plz',
    'postleitzahl',
    'codepostal',
    'cp',
    'codigopostal',
  ]),
  ...syn('country', 0, ['country', 'countryregion', 'addresscountry', 'land', 'landregion', 'pays', 'pais']),
]);

const GROUP_WORDS = new Map<string, Group>([
  ['mobile', 'mobile'],
  ['mobil', 'mobile'],
  ['cell', 'mobile'],
  ['cellular', 'mobile'],
  ['handy', 'mobile'],
  ['portable', 'mobile'],
  ['movil', 'mobile'],
  ['celular', 'mobile'],
  ['iphone', 'mobile'],
  ['business', 'business'],
  ['work', 'business'],
  ['office', 'business'],
  ['geschaftlich', 'business'],
  ['dienstlich', 'business'],
  ['buro', 'business'],
  ['professionnel', 'business'],
  ['professionnelle', 'business'],
  ['travail', 'business'],
  ['trabajo', 'business'],
  ['oficina', 'business'],
  ['home', 'home'],
  ['privat', 'home'],
  ['private', 'home'],
  ['personal', 'home'],
  ['personnel', 'home'],
  ['domicile', 'home'],
  ['casa', 'home'],
  ['particular', 'home'],
  ['other', 'other'],
  ['andere', 'other'],
  ['autre', 'other'],
  ['otro', 'other'],
]);

/** Filler words dropped after group words: "Telefon (geschäftlich)", "E-mail 1 - Value". */
const FILLER_WORDS = new Set(['value', 'de', 'du', 'del', 'the']);

const GROUP_PRIORITY: Record<'phone' | 'email' | 'address', Record<Group | 'none', number>> = {
  phone: { mobile: 0, none: 1.5, business: 2, home: 4, other: 5 },
  email: { none: 0, business: 1, home: 2, mobile: 2, other: 3 },
  address: { business: 0, none: 1, home: 2, other: 3, mobile: 3 },
};

/** Lower-case words without accents or punctuation: "E-mail 1 - Value" -> ["email","1","value"]. */
export function normalizeHeader(header: string): string[] {
  return header
    .replace(/ß/g, 'ss')
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/['’`\-_.]/g, '')
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** Maps one header to a field, or null when it is not a contact field (kept in `original`). */
export function matchHeader(header: string, column = 0): ColumnMatch | null {
  const words = normalizeHeader(header);
  if (words.length === 0) {
    return null;
  }
  const exact = BASE.get(words.join(''));
  if (exact) {
    return withAddressGroup({ ...exact, column }, 'none', 0);
  }

  let group: Group | null = null;
  let index = 0;
  let indexIsLast = false;
  const rest: string[] = [];
  for (const [i, w] of words.entries()) {
    const g = GROUP_WORDS.get(w);
    if (g && group === null) {
      group = g;
    } else if (/^\d+$/.test(w)) {
      if (index === 0) {
        index = Number(w);
        indexIsLast = i === words.length - 1;
      }
    } else if (!FILLER_WORDS.has(w)) {
      rest.push(w);
    }
  }
  let base = rest.length > 0 ? BASE.get(rest.join('')) : undefined;
  if (!base && rest.length === 0 && group === 'mobile') {
    base = { field: 'phone', priority: 0 };
  }
  if (!base) {
    return null;
  }
  const step = Math.min(index, 99) * 0.01;
  if (base.field === 'phone') {
    const p = base.priority === 1.5 || group !== null ? GROUP_PRIORITY.phone[group ?? 'none'] : base.priority;
    return { field: 'phone', priority: p + step, column };
  }
  if (base.field === 'email') {
    return { field: 'email', priority: GROUP_PRIORITY.email[group ?? 'none'] + step, column };
  }
  if ((ADDRESS_FIELDS as readonly string[]).includes(base.field)) {
    // "Business Street 2" / "Address 2" are more lines of one address; "Address 2 - Street"
    // (Google) is a second address.
    if (indexIsLast) {
      const m = withAddressGroup({ ...base, column }, group ?? 'none', 0);
      return { ...m, priority: m.priority + step / 100 };
    }
    return withAddressGroup({ ...base, column }, group ?? 'none', index);
  }
  // Names, company and title carry no group ("Business Name" is handled as an exact synonym).
  if (group !== null) {
    return null;
  }
  return { ...base, priority: base.priority + step, column };
}

function withAddressGroup(m: ColumnMatch, group: Group | 'none', index: number): ColumnMatch {
  if (!(ADDRESS_FIELDS as readonly string[]).includes(m.field)) {
    return m;
  }
  return {
    ...m,
    priority: GROUP_PRIORITY.address[group] + Math.min(index, 99) * 0.01,
    addressGroup: `${group}#${index}`,
  };
}

export interface HeaderMapping {
  /** Candidate columns per non-address field, best first. */
  fields: Map<ContactField, number[]>;
  /** Address groups, best first; each maps address fields to candidate columns. */
  addressGroups: { key: string; columns: Partial<Record<AddressField, number[]>> }[];
  /** At least one name, email or phone column. */
  recognised: boolean;
  /** Mapped field per column (for documentation/debugging). */
  columns: (ContactField | null)[];
}

export function mapHeaders(headers: readonly string[]): HeaderMapping {
  let matches = headers.map((h, i) => matchHeader(h, i)).filter((m): m is ColumnMatch => m !== null);

  const has = (f: ContactField) => matches.some((m) => m.field === f && !m.ambiguousName);
  // "Name"/"Nom"/"Nombre" next to only a first-name column is the last name (German, French
  // exports), next to only a last-name column it is the first name (Spanish "Nombre"/"Apellido").
  if (matches.some((m) => m.ambiguousName)) {
    const hasFirst = has('firstName');
    const hasLast = has('lastName');
    const target: ContactField =
      hasFirst && !hasLast ? 'lastName' : hasLast && !hasFirst ? 'firstName' : 'fullName';
    matches = matches.map((m) => (m.ambiguousName ? { ...m, field: target } : m));
  }
  // A weak synonym ("Title") is dropped when a strong one ("Job Title") exists.
  matches = matches.filter((m) => !m.weak || !matches.some((o) => o.field === m.field && !o.weak));

  const byPriority = (a: ColumnMatch, b: ColumnMatch) => a.priority - b.priority || a.column - b.column;
  const fields = new Map<ContactField, number[]>();
  const groups = new Map<
    string,
    { key: string; priority: number; columns: Partial<Record<AddressField, number[]>> }
  >();
  for (const m of [...matches].sort(byPriority)) {
    if (m.addressGroup !== undefined) {
      let g = groups.get(m.addressGroup);
      if (!g) {
        g = { key: m.addressGroup, priority: m.priority, columns: {} };
        groups.set(m.addressGroup, g);
      }
      const f = m.field as AddressField;
      (g.columns[f] ??= []).push(m.column);
    } else {
      const list = fields.get(m.field) ?? [];
      list.push(m.column);
      fields.set(m.field, list);
    }
  }
  const columns: (ContactField | null)[] = headers.map(() => null);
  for (const m of matches) {
    columns[m.column] = m.field;
  }
  const recognised = (['fullName', 'firstName', 'lastName', 'email', 'phone'] as const).some((f) =>
    fields.has(f),
  );
  return {
    fields,
    addressGroups: [...groups.values()].sort((a, b) => a.priority - b.priority),
    recognised,
    columns,
  };
}

export type MappedFields = Record<ContactField, string | null>;

/** Picks each field's value for one row: the first non-empty candidate column wins. */
export function pickFields(mapping: HeaderMapping, cells: readonly string[]): MappedFields {
  const value = (col: number): string | null => {
    const v = cells[col]?.trim();
    return v ? v : null;
  };
  const first = (cols: readonly number[] | undefined): string | null => {
    for (const c of cols ?? []) {
      const v = value(c);
      if (v !== null) {
        return v;
      }
    }
    return null;
  };
  const out: MappedFields = {
    fullName: first(mapping.fields.get('fullName')),
    firstName: first(mapping.fields.get('firstName')),
    middleName: first(mapping.fields.get('middleName')),
    lastName: first(mapping.fields.get('lastName')),
    email: first(mapping.fields.get('email')),
    phone: first(mapping.fields.get('phone')),
    company: first(mapping.fields.get('company')),
    title: first(mapping.fields.get('title')),
    street: null,
    city: null,
    region: null,
    postalCode: null,
    country: null,
  };
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
