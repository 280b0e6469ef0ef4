import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { detectLegacyEncoding } from '../../../src/parsing/text/detectEncoding.js';
import { fixture, parse } from './helpers.js';

/**
 * Issue 22, class 1: legacy single- and double-byte encodings are detected, not all read as
 * Windows-1252. The files are written by Python's csv module in each encoding
 * (test/fixtures/contacts/make_thirdparty_fixtures.py); the names are what was written.
 */
const FILES = [
  [
    'mac-roman.csv',
    'macintosh',
    ['Renée Müller', 'François Garçon', 'Jürgen Größ', 'Zoë Ångström'],
    'Zürich',
  ],
  [
    'iso8859-15.csv',
    'iso-8859-15',
    ['Tõnu Õun', 'Žanna Šaškova', 'Cœur de Lion (10 €)', 'Äijä Öhman'],
    'Tartu',
  ],
  [
    'iso8859-1.csv',
    'windows-1252',
    ['Björk Guðmundsdóttir', 'Þórður Ólafsson', 'Søren Kierkegård'],
    'Reykjavík',
  ],
  [
    'windows-1250.csv',
    'windows-1250',
    ['Łukasz Wiśniewski', 'Zdeněk Černý', 'Małgorzata Żółkiewska', 'Ödön Kovács'],
    'Kraków',
  ],
  ['iso8859-2.csv', 'iso-8859-2', ['Jiří Dvořák', 'Ľubomír Šťastný', 'Květa Růžičková'], 'Plzeň'],
  ['windows-1251.csv', 'windows-1251', ['Иван Петров', 'Ольга Смирнова', 'Дмитрий Кузнецов'], 'Москва'],
  ['koi8-r.csv', 'koi8-r', ['Сергей Иванов', 'Наталья Соколова', 'Алексей Попов'], 'Казань'],
  [
    'windows-1253.csv',
    'windows-1253',
    ['Ελένη Παπαδοπούλου', 'Γιώργος Νικολάου', 'Μαρία Κωνσταντίνου'],
    'Αθήνα',
  ],
  ['windows-1254.csv', 'windows-1254', ['Şükrü Öztürk', 'Ayşe Yılmaz', 'Çağrı Güneş'], 'İstanbul'],
  ['windows-1257.csv', 'windows-1257', ['Jānis Bērziņš', 'Šarūnas Žukauskas', 'Līga Ozoliņa'], 'Rīga'],
  ['shift_jis.csv', 'shift_jis', ['佐藤 美咲', '鈴木 一郎', '高橋 花子'], '東京'],
  ['gb18030.csv', 'gb18030', ['王伟', '李娜', '张静'], '北京'],
  ['big5.csv', 'big5', ['陳美玲', '林志明', '黃淑芬'], '臺北'],
  ['euc-kr.csv', 'euc-kr', ['김민준', '이서연', '박지훈'], '서울'],
] as const;

describe('legacy encodings, detected', () => {
  it.each(FILES)('%s is read as %s with every letter right', async (name, encoding, names, city) => {
    const r = await parse(fixture(`thirdparty/${name}`), 'csv', { chunkSize: 17 });
    expect(r.error).toBeNull();
    expect(r.details.encoding).toBe(encoding);
    expect(r.records.map((c) => c.fullName)).toEqual(names);
    expect(r.records[0]!.city).toBe(city);
    expect(r.records.every((c) => c.phone !== null)).toBe(true);
  });

  it('keeps reading the existing Windows-1252 exports as Windows-1252', async () => {
    for (const name of ['outlook-contacts.csv', 'excel-semicolon-cp1252.csv', 'excel-german-numbers.csv']) {
      const r = await parse(fixture(name), 'csv');
      expect(r.details.encoding, name).toBe('windows-1252');
    }
  });

  it('lets the file’s language cues choose among near ties (one Hungarian row)', async () => {
    // jschardet alone ranks Windows-1257 first for this row ("Lõrinc Gyõri"); the .hu address
    // and +36 number say Central European, and Windows-1250 is among its near ties.
    const row = 'Name,Email,Phone\r\nLőrinc Győri,lorinc@example.hu,+36 30 123 4567\r\n';
    const guess = await detectLegacyEncoding(iconv.encode(row, 'windows-1250'));
    expect(guess).toMatchObject({ encoding: 'windows-1250', byLanguageCues: true });
  });

  it('prefers the reading without symbols inside words among near ties (Mac Roman "Noël")', async () => {
    const text = 'Name,Email\r\nÉmile Zoë,r@example.fr\r\nAnna Noël,a@example.fr\r\n';
    expect((await detectLegacyEncoding(iconv.encode(text, 'macintosh'))).encoding).toBe('macintosh');
  });
});

describe('the uploader’s encoding', () => {
  it('is used instead of detection', async () => {
    const r = await parse(fixture('thirdparty/mac-roman.csv'), 'csv', { encoding: 'windows-1252' });
    expect(r.details.encoding).toBe('windows-1252');
    // What the Mac Roman bytes are in Windows-1252: the user asked for it.
    expect(r.records[0]!.fullName).toBe('RenŽe MŸller');
  });

  it('can read BOM-less UTF-16 and drops only a BOM of the encoding chosen', async () => {
    const r = await parse(fixture('thirdparty/utf-16le-no-bom.txt'), 'txt', { encoding: 'utf-16le' });
    expect(r.records[0]!.fullName).toBe('Søren Kierkegaard');
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Name\nÅsa\n')]);
    expect((await parse(withBom, 'csv', { encoding: 'utf-8' })).records[0]!.fullName).toBe('Åsa');
    expect((await parse(withBom, 'csv', { encoding: 'windows-1252' })).details.headerRow).toEqual([
      'ï»¿Name',
    ]);
  });
});
