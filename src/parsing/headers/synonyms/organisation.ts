import { syn, type Synonym } from '../fields.js';

/**
 * Company and job title. Keys are normalised headers (see normalizeHeader) joined without spaces, in English,
 * German, French and Spanish plus the exact headings of Google, Outlook and Apple exports.
 */
export const ORGANISATION_SYNONYMS: readonly Synonym[] = [
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
];
