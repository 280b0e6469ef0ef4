/**
 * The text encodings contact exports really use, as the product names them (WHATWG labels, lower
 * case): what the detector may answer, what a user may choose as the `encoding` option, and what
 * a batch records. Each is decoded by iconv-lite under `iconvName`.
 */
export const TEXT_ENCODINGS = [
  'utf-8',
  'utf-16le',
  'utf-16be',
  'windows-1250',
  'windows-1251',
  'windows-1252',
  'windows-1253',
  'windows-1254',
  'windows-1257',
  'iso-8859-1',
  'iso-8859-2',
  'iso-8859-15',
  'macintosh',
  'koi8-r',
  'shift_jis',
  'gb18030',
  'big5',
  'euc-kr',
] as const;

export type TextEncoding = (typeof TEXT_ENCODINGS)[number];

export function isTextEncoding(value: string): value is TextEncoding {
  return (TEXT_ENCODINGS as readonly string[]).includes(value);
}

/** A stored name back as a TextEncoding (null stays null; an unknown name is treated as none). */
export function textEncodingOrNull(value: string | null): TextEncoding | null {
  return value !== null && isTextEncoding(value) ? value : null;
}

/**
 * The iconv-lite codec for each name. Shift_JIS and EUC-KR files from Windows are code pages 932
 * and 949, supersets that add the characters Windows users type (NEC symbols, extra Hangul), so
 * those decode what the plain standards would turn into U+FFFD.
 */
export const ICONV_NAME: Record<TextEncoding, string> = {
  'utf-8': 'utf-8',
  'utf-16le': 'utf-16le',
  'utf-16be': 'utf-16be',
  'windows-1250': 'windows-1250',
  'windows-1251': 'windows-1251',
  'windows-1252': 'windows-1252',
  'windows-1253': 'windows-1253',
  'windows-1254': 'windows-1254',
  'windows-1257': 'windows-1257',
  'iso-8859-1': 'iso-8859-1',
  'iso-8859-2': 'iso-8859-2',
  'iso-8859-15': 'iso-8859-15',
  macintosh: 'macintosh',
  'koi8-r': 'koi8-r',
  shift_jis: 'cp932',
  gb18030: 'gb18030',
  big5: 'big5',
  'euc-kr': 'cp949',
};

/** Which writing a legacy encoding is for: language cues of a file pick among near ties. */
export type Script =
  'western' | 'central' | 'cyrillic' | 'greek' | 'turkish' | 'baltic' | 'ja' | 'zh-hans' | 'zh-hant' | 'ko';

export const SCRIPT_OF: Record<TextEncoding, Script | null> = {
  'utf-8': null,
  'utf-16le': null,
  'utf-16be': null,
  'windows-1250': 'central',
  'windows-1251': 'cyrillic',
  'windows-1252': 'western',
  'windows-1253': 'greek',
  'windows-1254': 'turkish',
  'windows-1257': 'baltic',
  'iso-8859-1': 'western',
  'iso-8859-2': 'central',
  'iso-8859-15': 'western',
  macintosh: 'western',
  'koi8-r': 'cyrillic',
  shift_jis: 'ja',
  gb18030: 'zh-hans',
  big5: 'zh-hant',
  'euc-kr': 'ko',
};
