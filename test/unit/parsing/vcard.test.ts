import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { fixture, parse, parseError } from './helpers.js';

describe('vCard fixtures', () => {
  it('reads an Apple vCard 3.0 export with an embedded PHOTO', async () => {
    const r = await parse(fixture('apple-contacts-3.0.vcf'), 'vcf', { chunkSize: 333 });
    expect(r.error).toBeNull();
    expect(r.records).toHaveLength(2);
    const [asa, minh] = r.records;
    expect(asa).toMatchObject({
      rowNumber: 1,
      fullName: 'Åsa Lindqvist',
      firstName: 'Åsa',
      lastName: 'Lindqvist',
      email: 'asa@lindqvist.example', // type=pref
      phone: '+46701234567', // type=pref
      company: 'Nordic Design AB',
      title: 'Creative Director',
      street: 'Drottninggatan 53', // item1.ADR (grouped)
      city: 'Stockholm',
      postalCode: '111 21',
      country: 'Sweden',
      issues: [],
    });
    expect(asa!.original).toMatchObject({
      'EMAIL;TYPE=INTERNET,HOME,PREF': 'asa@lindqvist.example',
      'EMAIL;TYPE=INTERNET,WORK': 'asa.lindqvist@nordicdesign.example',
      'TEL;TYPE=WORK,VOICE': '+46 8 123 456 78',
      ORG: 'Nordic Design AB;Studio',
      NOTE: 'Line one\nLine two, with comma; and semicolon',
    });
    expect(Object.keys(asa!.original).some((k) => k.startsWith('PHOTO'))).toBe(false);
    expect(minh).toMatchObject({
      fullName: 'Nguyễn Thị Minh Khai',
      lastName: 'Nguyễn',
      firstName: 'Thị Minh Khai',
      email: 'minh.khai@example.vn',
      phone: '+84912345678',
    });
  });

  it('reads an Android vCard 2.1 export with QUOTED-PRINTABLE UTF-8 and soft line breaks', async () => {
    const r = await parse(fixture('android-contacts-2.1.vcf'), 'vcf', { chunkSize: 50 });
    expect(r.error).toBeNull();
    expect(r.records).toHaveLength(2);
    expect(r.records[0]).toMatchObject({
      fullName: 'Dušan Željko Kovačević',
      firstName: 'Dušan Željko',
      lastName: 'Kovačević',
      phone: '+385912345678', // CELL;PREF
      email: 'dusan.kovacevic@example.hr',
      company: 'Hrvatska poštanska banka',
      street: 'Ulica kralja Zvonimira 17',
      city: 'Zagreb',
      postalCode: '10000',
      country: 'Hrvatska',
    });
    expect(r.records[0]!.original['TEL;TYPE=HOME']).toBe('01 2345 678');
    expect(r.records[1]).toMatchObject({ fullName: 'Bjørn Ångström', phone: '+4722123456' });
    expect(r.records[1]!.original.NOTE).toBe(
      'Første linje\r\nAndre linje – med æøå og en lang tekst som må brytes over flere linjer',
    );
    expect(r.records[1]!.original['TEL;TYPE=CELL']).toBe('+47 412 34 567');
    expect(r.invalid).toEqual([
      {
        rowNumber: 3,
        reason: 'no name, email or phone; phone number "12ab" is not a phone number',
        original: { VERSION: '2.1', N: ';;;;', 'TEL;TYPE=CELL': '12ab' },
      },
    ]);
  });

  it('reads vCard 4.0 with tel: URIs and PREF=1', async () => {
    const r = await parse(fixture('vcard-4.0.vcf'), 'vcf');
    expect(r.error).toBeNull();
    expect(r.records).toHaveLength(2);
    expect(r.records[0]).toMatchObject({
      fullName: 'Dr. Priya Raghunathan',
      firstName: 'Priya',
      lastName: 'Raghunathan',
      email: 'priya.r@mail.example',
      phone: '+919845012345',
      company: 'Example Research Institute',
      title: 'Principal Investigator',
      street: '100 MG Road',
      city: 'Bengaluru',
      region: 'KA',
      postalCode: '560001',
      country: 'India',
    });
    expect(r.records[0]!.original['TEL;TYPE=VOICE,WORK']).toBe('tel:+91-80-2345-6789;ext=101');
    expect(r.records[1]).toMatchObject({
      fullName: "Siobhán O'Brien",
      firstName: 'Siobhán',
      lastName: "O'Brien",
      phone: '+353871234567',
    });
  });
});

describe('vCard edge cases', () => {
  it('reads 2.1 bare parameters, ISO-8859-1 charset and nested AGENT cards', async () => {
    const card = Buffer.concat([
      Buffer.from('BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=ISO-8859-1:'),
      iconv.encode('Ståhl;Björn', 'latin1'),
      Buffer.from(
        '\r\nTEL;WORK;VOICE:+46 8 555 123 45\r\nAGENT:\r\nBEGIN:VCARD\r\nFN:Agent Smith\r\nEND:VCARD\r\n' +
          'EMAIL;INTERNET:bjorn@example.se\r\nEND:VCARD\r\n',
      ),
    ]);
    const r = await parse(card, 'vcf');
    expect(r.records).toHaveLength(1);
    expect(r.records[0]).toMatchObject({
      fullName: 'Björn Ståhl',
      phone: '+46855512345',
      email: 'bjorn@example.se',
    });
  });

  it('skips a huge single-line PHOTO (its memory bound: test/faults/parserBounds)', async () => {
    const photo = 'A'.repeat(8 * 1024 * 1024);
    const text = `BEGIN:VCARD\nVERSION:4.0\nFN:Big Photo\nPHOTO:data:image/png;base64,${photo}\nEMAIL:big@example.com\nEND:VCARD\n`;
    const r = await parse(text, 'vcf');
    expect(r.records).toHaveLength(1);
    expect(r.records[0]).toMatchObject({ fullName: 'Big Photo', email: 'big@example.com', issues: [] });
  });

  it('truncates an over-long text value with an issue', async () => {
    const r = await parse(`BEGIN:VCARD\nFN:Long\nNOTE:${'n'.repeat(5000)}\nEND:VCARD\n`, 'vcf');
    expect(r.records[0]!.original.NOTE).toHaveLength(1000);
    expect(r.records[0]!.issues).toEqual(['NOTE was longer than 1000 characters and was truncated']);
  });

  it('reads UTF-16 vCards and a card without END:VCARD', async () => {
    const text = '\uFEFFBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Ünal\r\nTEL;TYPE=CELL:+90 532 123 45 67\r\n';
    const r = await parse(iconv.encode(text, 'utf-16le'), 'vcf', { chunkSize: 5 });
    expect(r.records[0]).toMatchObject({
      fullName: 'Zoë Ünal',
      phone: '+905321234567',
      issues: ['the card is not terminated (END:VCARD is missing)'],
    });
  });

  it('rejects files without cards and enforces maxRows', async () => {
    expect(await parseError('Name,Email\nA,a@b.de\n', 'vcf')).toBe(
      'no contacts found: the file contains no vCard (BEGIN:VCARD … END:VCARD)',
    );
    expect(await parseError('BEGIN:VCARD\nVERSION:3.0\nEND:VCARD\n', 'vcf')).toBe(
      'no contacts found: every vCard in the file is empty',
    );
    const cards = Array.from({ length: 4 }, (_, i) => `BEGIN:VCARD\nFN:P${i}\nEND:VCARD\n`).join('');
    expect(await parseError(cards, 'vcf', { maxRows: 3 })).toBe(
      'file has more than 3 contact rows, the limit per file; split it into smaller files',
    );
  });
});
