import { describe, expect, it } from 'vitest';
import { csvLine } from '../../../src/parsing/csvOutput.js';

describe('csvLine', () => {
  it('quotes per RFC 4180', () => {
    expect(csvLine(['a', 'b c', ''])).toBe('a,b c,\r\n');
    expect(csvLine(['x,y', 'say "hi"', 'two\nlines', ' padded '])).toBe(
      '"x,y","say ""hi""","two\nlines"," padded "\r\n',
    );
  });

  it('neutralises formula injection', () => {
    expect(csvLine(['=1+2', '+49 30 123', '-5', '@SUM(A1)', '\tx', '\rx', 'a=b'])).toBe(
      `'=1+2,'+49 30 123,'-5,'@SUM(A1),'\tx,"'\rx",a=b\r\n`,
    );
    expect(csvLine(['=HYPERLINK("http://evil","x")'])).toBe(`"'=HYPERLINK(""http://evil"",""x"")"\r\n`);
  });
});
