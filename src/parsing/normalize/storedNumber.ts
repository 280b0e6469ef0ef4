/**
 * A phone cell that a spreadsheet (or a script writing one) kept as a number and printed back as
 * text. Such text is not a phone number as written: "4915123456789.0" is an integer with a float's
 * ".0" (Python's str(float), pandas, openpyxl round trips), "4.91512E+12" is Excel's General
 * format that kept only 6 significant digits. Read as text, libphonenumber takes the ".0" for a
 * digit and reads a different, sometimes valid, number.
 */
export type StoredNumber =
  /** The integer's digits, exactly. */
  | { kind: 'digits'; digits: string }
  /** Scientific notation that dropped digits: "4.91512E+12" could be any of a million numbers. */
  | { kind: 'lostDigits' }
  /** A number with a real fraction: no phone number. */
  | { kind: 'fraction' };

const FLOAT_INTEGER = /^(\d+)[.,]0+$/;
/** Mantissa with one digit before the separator, as Excel, Python and JavaScript write it. */
const SCIENTIFIC = /^(\d)(?:[.,](\d+))?[eE]\+?(\d{1,2})$/;

/** What a numeric-looking cell holds, or null when the text is not a stored number. */
export function storedNumber(text: string): StoredNumber | null {
  const float = FLOAT_INTEGER.exec(text);
  if (float) {
    return { kind: 'digits', digits: float[1]! };
  }
  const sci = SCIENTIFIC.exec(text);
  if (sci === null) {
    return null;
  }
  const lead = sci[1]!;
  const fraction = sci[2] ?? '';
  const exponent = Number(sci[3]);
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > exponent) {
    return { kind: 'fraction' };
  }
  // Every digit written down is part of the integer; the rest are zeros the writer added, which
  // are real only when the writer printed all digits. Excel's General format prints 6
  // significant digits, so a long number with padding zeros lost the digits they stand for.
  if (fraction.length < exponent) {
    return { kind: 'lostDigits' };
  }
  return { kind: 'digits', digits: lead + fraction.slice(0, exponent) };
}
