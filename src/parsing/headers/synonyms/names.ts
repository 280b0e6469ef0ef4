import { syn, type Synonym } from '../fields.js';

/**
 * Names: full, first, middle and last name. Keys are normalised headers (see normalizeHeader) joined without spaces, in English,
 * German, French and Spanish plus the exact headings of Google, Outlook and Apple exports.
 */
export const NAME_SYNONYMS: readonly Synonym[] = [
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
];
