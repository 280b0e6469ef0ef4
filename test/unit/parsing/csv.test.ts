import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { detectDelimiter } from '../../../src/parsing/csv.js';
import { fixture, parse, parseError } from './helpers.js';

describe('CSV fixtures', () => {
  it('reads a classic Google Contacts export', async () => {
    const r = await parse(fixture('google-contacts.csv'), 'csv');
    expect(r.error).toBeNull();
    expect(r.invalid).toHaveLength(0);
    expect(r.records).toHaveLength(3);
    const [anna, jose, chloe] = r.records;
    expect(anna).toMatchObject({
      rowNumber: 1,
      fullName: 'Anna Schmidt',
      firstName: 'Anna',
      lastName: 'Schmidt',
      email: 'anna.schmidt@example.com',
      phone: '+4915123456789',
      company: 'Müller & Söhne GmbH',
      title: 'Einkäuferin',
      street: 'Friedrichstraße 12',
      city: 'Berlin',
      postalCode: '10117',
      country: 'DE',
      issues: [],
    });
    expect(anna!.original['Group Membership']).toBe('* myContacts');
    expect(anna!.original['Address 1 - Formatted']).toBe('Friedrichstraße 12\n10117 Berlin\nDE');
    // Google's " ::: " multi-value cells: the first value is used, all are kept.
    expect(jose).toMatchObject({ email: 'jose.garcia@example.es', phone: '+34612345678' });
    expect(jose!.original['E-mail 1 - Value']).toBe('jose.garcia@example.es ::: jgarcia@example.com');
    expect(jose!.original.Notes).toBe('Met at the "Madrid" fair, 2023');
    expect(chloe).toMatchObject({ fullName: 'Chloé Dubois', email: null, phone: '+33142685300' });
  });

  it('reads the current Google Contacts export', async () => {
    const r = await parse(fixture('google-contacts-new.csv'), 'csv');
    expect(r.records).toHaveLength(2);
    expect(r.records[0]).toMatchObject({
      fullName: 'Emily Rose Carter',
      firstName: 'Emily',
      lastName: 'Carter',
      email: 'emily.carter@northwind.example',
      phone: '+14155552671',
      company: 'Northwind Traders',
      title: 'Sales Manager',
      street: '500 Howard St',
      city: 'San Francisco',
      region: 'CA',
      postalCode: '94105',
      country: 'US',
    });
    expect(r.records[1]).toMatchObject({ fullName: 'Łukasz Wiśniewski', phone: '+48512345678' });
  });

  it('reads an Outlook export (Windows-1252, all fields quoted, multi-line notes)', async () => {
    const r = await parse(fixture('outlook-contacts.csv'), 'csv');
    expect(r.error).toBeNull();
    expect(r.records).toHaveLength(3);
    const [robert, renee, support] = r.records;
    // "Title" is Mr./Ms. in Outlook: "Job Title" wins; business address and phone preferred.
    expect(robert).toMatchObject({
      fullName: "Robert O'Neill",
      title: 'CFO',
      email: 'robert.oneill@contoso.example',
      phone: '+14258828080',
      company: 'Contoso Ltd.',
      street: 'One Microsoft Way',
      city: 'Redmond',
      region: 'WA',
      postalCode: '98052',
    });
    expect(robert!.original.Title).toBe('Mr.');
    // Mobile beats business phone; the home address is used as a whole when no business one.
    expect(renee).toMatchObject({
      fullName: 'Renée Lefèvre',
      title: null,
      phone: '+33612345678',
      company: 'Café Crème SARL',
      street: '8 rue de Rivoli',
      city: 'Paris',
      postalCode: '75004',
      country: 'France',
    });
    expect(renee!.original.Notes).toBe('Prefers calls after 14:00;\r\nspeaks English');
    expect(support).toMatchObject({ fullName: 'Support', phone: '+442079460958' });
  });

  it('reads a German Excel semicolon CSV in Windows-1252', async () => {
    const r = await parse(fixture('excel-semicolon-cp1252.csv'), 'csv', { defaultRegion: 'DE' });
    expect(r.error).toBeNull();
    expect(r.invalid).toHaveLength(0);
    expect(r.records.map((c) => c.fullName)).toEqual([
      'Jürgen Größ',
      'Zoë Öztürk',
      'René Müller-Lüdenscheidt',
      'Ärzte Praxis',
    ]);
    expect(r.records[0]).toMatchObject({
      company: 'Bäckerei Größ',
      street: 'Hauptstraße 5',
      postalCode: '80331',
      city: 'München',
      phone: '+491712345678', // "Mobil" beats "Telefon"
      email: 'juergen@baeckerei-groess.example',
    });
    expect(r.records[1]).toMatchObject({ phone: '+49211987654', city: 'Düsseldorf' });
    expect(r.records[2]!.company).toBe('Müller; Söhne KG');
    // The blank ";;;" row is skipped but keeps its position.
    expect(r.records[3]!.rowNumber).toBe(5);
  });

  it('reads Excel "Unicode Text" (UTF-16LE with BOM, tab-separated)', async () => {
    const r = await parse(fixture('excel-unicode-text.txt'), 'txt', { chunkSize: 7 });
    expect(r.error).toBeNull();
    expect(r.records.map((c) => [c.fullName, c.email, c.phone])).toEqual([
      ['Søren Kierkegaard', 'soren@example.dk', '+4520123456'],
      ['Ελένη Παπαδοπούλου', 'eleveni@example.gr', '+306912345678'],
      // Its rows point to Denmark, Greece and Japan: no region for a number without a country
      // code, so no phone (never the raw text, never a guess); the cell stays in `original`.
      ['美咲 佐藤', 'misaki.sato@example.jp', null],
    ]);
    expect(r.records[2]!.company).toBe('株式会社サンプル');
    expect(r.records[2]!.issues).toEqual([
      'phone number "090-1234-5678" has no country code (+…) and no region to read it in',
    ]);
    expect(r.details.regionInference).toMatchObject({ status: 'conflict', region: null });
    expect(Object.values(r.records[2]!.original)).toContain('090-1234-5678');
  });

  it('parses Japanese numbers with phoneRegion JP (the file itself names three countries)', async () => {
    const r = await parse(fixture('excel-unicode-text.txt'), 'txt', { phoneRegion: 'JP' });
    expect(r.records[2]!.phone).toBe('+819012345678');
  });

  it('reports invalid rows with reasons and keeps good rows (mixed file)', async () => {
    const r = await parse(fixture('mixed-good-bad.csv'), 'csv');
    expect(r.error).toBeNull();
    expect(r.records).toHaveLength(7);
    expect(r.invalid).toEqual([
      {
        rowNumber: 3,
        reason: 'no name, email or phone; phone number "not a phone" is not a phone number',
        original: { Phone: 'not a phone' },
      },
      { rowNumber: 6, reason: 'no name, email or phone', original: { Company: 'OnlyCompany Inc' } },
    ]);
    const byName = new Map(r.records.map((c) => [c.fullName, c]));
    expect(byName.get('Bad Email')).toMatchObject({
      email: null,
      issues: ['email address is not valid: not-an-email'],
    });
    expect(byName.get('Phone Only')).toMatchObject({ phone: '+442079460000', email: null });
    expect(byName.get('Ragged Row')!.original).toMatchObject({ column_5: 'extra1', column_6: 'extra2' });
    const long = byName.get('Long Note')!;
    expect(long.company).toHaveLength(1000);
    expect(long.issues).toEqual(['column "Company" was longer than 1000 characters and was truncated']);
    expect(byName.get('Name Quoted')).toMatchObject({
      firstName: 'Name',
      lastName: 'Quoted',
      company: 'Multi Line Co',
    });
    expect(byName.get('Name Quoted')!.original.Company).toBe('Multi\nLine Co');
    expect(byName.get('Hans Müller')).toMatchObject({
      email: 'Hans.Mueller@beispiel.de',
      phone: '+49301234567',
    });
  });

  it('rejects a header-only file', async () => {
    expect(await parseError(fixture('header-only.csv'), 'csv')).toBe(
      'no contacts found: the file has a header row but no data rows',
    );
  });

  it('rejects a garbage (binary) file', async () => {
    expect(await parseError(fixture('garbage.csv'), 'csv')).toMatch(
      /^file is not a text file: it contains binary data/,
    );
  });
});

describe('CSV dialects and errors', () => {
  it('handles CR-only, LF and CRLF line endings and a UTF-8 BOM', async () => {
    for (const eol of ['\r', '\n', '\r\n']) {
      const text = `\uFEFFName,Email${eol}Ann,ann@example.com${eol}"Bob${eol}Jr",bob@example.com${eol}`;
      const r = await parse(text, 'csv', { chunkSize: 3 });
      expect(r.error).toBeNull();
      expect(r.records.map((c) => [c.fullName, c.email])).toEqual([
        ['Ann', 'ann@example.com'],
        ['Bob Jr', 'bob@example.com'],
      ]);
      expect(Object.keys(r.records[0]!.original)).toEqual(['Name', 'Email']);
    }
  });

  it('detects the delimiter respecting quotes', () => {
    expect(detectDelimiter('Name;Street;City\n"Smith, J";"Main St, 1";Town\n')).toBe(';');
    expect(detectDelimiter('Name\tEmail\nA, B\ta@b.c\n')).toBe('\t');
    expect(detectDelimiter('Name|Email|Phone\nA|a@b.c|1\n')).toBe('|');
    expect(detectDelimiter('"a;b",c\n"d;e",f\n')).toBe(',');
    expect(detectDelimiter('Email\nx@y.z\n')).toBe(',');
  });

  it('honours an Excel "sep=" line', async () => {
    const r = await parse('sep=;\r\nName;Email\r\n"Doe, Jane";jane@example.com\r\n', 'csv');
    expect(r.records[0]).toMatchObject({ firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com' });
  });

  it('names the line of an unterminated quote', async () => {
    const text =
      'Name,Email\nAnn,ann@example.com\n\nBob,bob@example.com\n"Carl,carl@example.com\nDora,d@example.com\n';
    expect(await parseError(text, 'csv')).toBe(
      'line 5: unterminated quote — a field starting with " is never closed',
    );
  });

  it('rejects a 10 MB single line without newline (its memory bound: test/faults/parserBounds)', async () => {
    const msg = await parseError(Buffer.alloc(10 * 1024 * 1024, 0x61), 'csv');
    expect(msg).toBe(
      'line 1: a single row is longer than 1 MB; a quote (") is probably never closed, or the file is not a contact list',
    );
  });

  it('rejects a file without a recognisable header', async () => {
    expect(await parseError('foo,bar\n1,2\n', 'csv')).toBe(
      'no contacts found: no column looks like a name, email or phone. The first row must be a header row such as "Name, Email, Phone"',
    );
    expect(await parseError('\n\n', 'csv')).toBe('no contacts found: the file is empty');
  });

  it('enforces maxRows, counting only non-blank rows', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => `P${i},p${i}@example.com`).join('\n\n');
    const ok = await parse(`Name,Email\n${rows}\n`, 'csv', { maxRows: 5 });
    expect(ok.records).toHaveLength(5);
    expect(await parseError(`Name,Email\n${rows}\nP6,p6@example.com\n`, 'csv', { maxRows: 5 })).toBe(
      'file has more than 5 contact rows, the limit per file; split it into smaller files',
    );
  });

  it('caps columns per row', async () => {
    const header = ['Name', ...Array.from({ length: 249 }, (_, i) => `C${i}`)].join(',');
    const row = ['Wide Row', ...Array.from({ length: 249 }, (_, i) => `v${i}`)].join(',');
    const r = await parse(`${header}\n${row}\n`, 'csv');
    expect(Object.keys(r.records[0]!.original)).toHaveLength(200);
    expect(r.records[0]!.issues).toEqual(['row has 250 columns; only the first 200 were kept']);
  });

  it('detects Windows-1252 when the first non-ASCII byte comes after 64 KiB', async () => {
    const filler = Array.from({ length: 3000 }, (_, i) => `Person ${i},p${i}@example.com`).join('\r\n');
    const bytes = iconv.encode(
      `Name,Email\r\n${filler}\r\nFrançois Müller,fm@example.fr\r\n`,
      'windows-1252',
    );
    expect(bytes.length).toBeGreaterThan(70_000);
    const r = await parse(bytes, 'csv', { chunkSize: 4096 });
    expect(r.error).toBeNull();
    expect(r.records.at(-1)!.fullName).toBe('François Müller');
  });

  it('keeps UTF-8 when a multi-byte character is cut by the sample edge', async () => {
    const prefix = Buffer.from('Name,Email\nÉ,e@example.com\n');
    // The sample is the 64 KiB from the first non-ASCII byte ("É" at offset 11); put the
    // 3-byte "€" across its end.
    const euroAt = 11 + 64 * 1024 - 1;
    const lines: string[] = [];
    let size = prefix.length;
    while (euroAt - size > 900) {
      const l = `P${lines.length},p@example.com\n`;
      lines.push(l);
      size += l.length;
    }
    const name = 'Z'.repeat(euroAt - size);
    const bytes = Buffer.concat([
      prefix,
      Buffer.from(lines.join('')),
      Buffer.from(`${name}€,x@example.com\nZoë,z@example.com\n`),
    ]);
    expect(bytes.indexOf(Buffer.from('€'))).toBe(euroAt);
    const r = await parse(bytes, 'csv', { chunkSize: 1000 });
    expect(r.error).toBeNull();
    expect(r.records.at(-1)!.fullName).toBe('Zoë');
    expect(r.records.at(-2)!.fullName).toBe(`${name}€`);
  });

  it('refuses to mangle a UTF-8 file with some Windows-1252 bytes (inside the sample)', async () => {
    const good = Array.from({ length: 1000 }, (_, i) => `Zoë ${i},z${i}@example.com`).join('\n');
    const bytes = Buffer.concat([
      Buffer.from(`Name,Email\n${good}\n`),
      iconv.encode('Müller,m@example.com\n', 'windows-1252'),
    ]);
    expect(await parseError(bytes, 'csv')).toBe(
      'line 1002: text is not valid UTF-8 although most of the file is; the file seems to mix character encodings. Save it again as "CSV UTF-8" and upload it again',
    );
  });

  it('refuses to mangle text that turns invalid UTF-8 after the sample', async () => {
    const good = Array.from({ length: 4000 }, (_, i) => `Zoë ${i},z${i}@example.com`).join('\n');
    const bytes = Buffer.concat([
      Buffer.from(`Name,Email\n${good}\n`),
      iconv.encode('Müller,m@example.com\n', 'windows-1252'),
    ]);
    expect(bytes.length).toBeGreaterThan(100_000);
    const r = await parse(bytes, 'csv');
    expect(String(r.error)).toContain(
      'line 4002: text is not valid UTF-8 although most of the file is; the file seems to mix character encodings',
    );
  });

  it('reports monotonic progress ending at 1', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `P${i},p${i}@example.com`).join('\n');
    const r = await parse(`Name,Email\n${rows}\n`, 'csv', { chunkSize: 1024, maxRows: 50_000 });
    expect(r.error).toBeNull();
    expect(r.progress.at(-1)).toBe(1);
    for (let i = 1; i < r.progress.length; i++) {
      expect(r.progress[i]).toBeGreaterThanOrEqual(r.progress[i - 1]!);
    }
    expect(r.progress.some((p) => p > 0.2 && p < 0.9)).toBe(true);
  });
});
