import { describe, expect, it } from 'vitest';
import { contextFrom } from '../../../src/cli/context.js';

/** Risky choices are warned about on stderr (issue #19): a token in argv, plain http to another host. */
function warnings(url: string, tokenOnCommandLine: boolean): string[] {
  const seen: string[] = [];
  contextFrom({ url, token: 'a.b.c' }, {}, { tokenOnCommandLine, warn: (line) => seen.push(line) });
  return seen;
}

describe('CLI warnings', () => {
  it('warns when the token was given with --token', () => {
    expect(warnings('http://localhost:3000', true)).toEqual([
      '--token on the command line is visible to other users (ps) and kept in shell history; set BATCHPORT_TOKEN instead',
    ]);
    expect(warnings('http://localhost:3000', false)).toEqual([]);
  });

  it('warns about plain http to a host that is not loopback, not about https or loopback', () => {
    expect(warnings('http://batchport.example.org', false)).toEqual([
      'batchport.example.org is reached over plain http: the token and the contact data travel unencrypted; use https://',
    ]);
    expect(warnings('http://10.0.0.5:3000', false)).toHaveLength(1);
    for (const url of [
      'https://batchport.example.org',
      'http://127.0.0.1:3000',
      'http://[::1]:3000',
      'http://localhost',
    ]) {
      expect(warnings(url, false), url).toEqual([]);
    }
  });
});
