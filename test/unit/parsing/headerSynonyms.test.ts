import { describe, expect, it } from 'vitest';
import { mapHeaders, matchHeader, normalizeHeader, pickFields } from '../../../src/parsing/headerSynonyms.js';

describe('header synonyms', () => {
  it('normalises case, accents and punctuation', () => {
    expect(normalizeHeader('E-mail 1 - Value')).toEqual(['email', '1', 'value']);
    expect(normalizeHeader('  Straße geschäftlich ')).toEqual(['strasse', 'geschaftlich']);
    expect(normalizeHeader('Prénom')).toEqual(['prenom']);
  });

  const cases: [string, string | null][] = [
    // Google (classic and current)
    ['Given Name', 'firstName'],
    ['Family Name', 'lastName'],
    ['Additional Name', 'middleName'],
    ['E-mail 1 - Value', 'email'],
    ['E-mail 1 - Type', null],
    ['Phone 1 - Value', 'phone'],
    ['Organization 1 - Name', 'company'],
    ['Organization 1 - Title', 'title'],
    ['Organization Name', 'company'],
    ['Organization Title', 'title'],
    ['Address 1 - Street', 'street'],
    ['Address 1 - City', 'city'],
    ['Address 1 - Region', 'region'],
    ['Address 1 - Postal Code', 'postalCode'],
    ['Address 1 - Country', 'country'],
    ['Address 1 - Formatted', null],
    // Outlook
    ['First Name', 'firstName'],
    ['Last Name', 'lastName'],
    ['E-mail Address', 'email'],
    ['E-mail 2 Address', 'email'],
    ['E-mail Display Name', null],
    ['Mobile Phone', 'phone'],
    ['Business Phone', 'phone'],
    ['Business Fax', null],
    ['Company', 'company'],
    ['Job Title', 'title'],
    ['Business Street', 'street'],
    ['Business City', 'city'],
    ['Business Country/Region', 'country'],
    ["Assistant's Phone", null],
    // German
    ['Vorname', 'firstName'],
    ['Nachname', 'lastName'],
    ['E-Mail', 'email'],
    ['E-Mail-Adresse', 'email'],
    ['Telefon', 'phone'],
    ['Mobil', 'phone'],
    ['Telefon geschäftlich', 'phone'],
    ['Firma', 'company'],
    ['Straße', 'street'],
    ['PLZ', 'postalCode'],
    ['Ort', 'city'],
    ['Land', 'country'],
    // French
    ['Prénom', 'firstName'],
    ['Courriel', 'email'],
    ['Téléphone', 'phone'],
    ['Téléphone portable', 'phone'],
    ['Société', 'company'],
    ['Ville', 'city'],
    ['Code postal', 'postalCode'],
    ['Pays', 'country'],
    // Spanish
    ['Apellido', 'lastName'],
    ['Correo electrónico', 'email'],
    ['Teléfono', 'phone'],
    ['Empresa', 'company'],
    // Apple / generic
    ['Email (Work)', 'email'],
    ['Phone (Mobile)', 'phone'],
    ['ZIP', 'postalCode'],
    ['Notes', null],
  ];
  it.each(cases)('maps %j to %s', (header, field) => {
    expect(matchHeader(header)?.field ?? null).toBe(field);
  });

  it('resolves the ambiguous "Name"/"Nom"/"Nombre"', () => {
    const field = (headers: string[], h: string) => mapHeaders(headers).columns[headers.indexOf(h)];
    expect(field(['Name', 'Email'], 'Name')).toBe('fullName');
    expect(field(['Vorname', 'Name'], 'Name')).toBe('lastName');
    expect(field(['Prénom', 'Nom'], 'Nom')).toBe('lastName');
    expect(field(['Nombre', 'Apellidos'], 'Nombre')).toBe('firstName');
    expect(field(['Name', 'Given Name', 'Family Name'], 'Name')).toBe('fullName');
  });

  it('drops the weak "Title" when "Job Title" exists', () => {
    expect(mapHeaders(['Title', 'First Name', 'Job Title']).columns).toEqual([null, 'firstName', 'title']);
    expect(mapHeaders(['Name', 'Title']).columns).toEqual(['fullName', 'title']);
  });

  it('prefers mobile > business > home phone, first non-empty value per row', () => {
    const headers = ['Home Phone', 'Business Phone', 'Mobile Phone', 'Name'];
    const m = mapHeaders(headers);
    expect(m.fields.get('phone')).toEqual([2, 1, 0]);
    expect(pickFields(m, ['h', 'b', 'm', 'x']).phone).toBe('m');
    expect(pickFields(m, ['h', 'b', ' ', 'x']).phone).toBe('b');
    expect(pickFields(m, ['h', '', '', 'x']).phone).toBe('h');
  });

  it('takes all address parts from one address group', () => {
    const headers = ['Name', 'Home Street', 'Home City', 'Business Street', 'Business City'];
    const m = mapHeaders(headers);
    expect(pickFields(m, ['x', 'Home St', 'Hometown', 'Biz St', 'Biztown'])).toMatchObject({
      street: 'Biz St',
      city: 'Biztown',
    });
    expect(pickFields(m, ['x', 'Home St', 'Hometown', '', ''])).toMatchObject({
      street: 'Home St',
      city: 'Hometown',
    });
    expect(pickFields(m, ['x', 'Home St', 'Hometown', '', 'Biztown'])).toMatchObject({
      street: null,
      city: 'Biztown',
    });
  });

  it('needs a name, email or phone column to recognise a header', () => {
    expect(mapHeaders(['Company', 'City']).recognised).toBe(false);
    expect(mapHeaders(['Courriel']).recognised).toBe(true);
  });
});
