import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { batchId, intInRange, oneOf } from '../../../src/cli/args.js';
import { contextFrom } from '../../../src/cli/context.js';
import { CliError, EXIT } from '../../../src/cli/errors.js';
import { collectFiles } from '../../../src/cli/files.js';
import { buildProgram, exitCodeOf } from '../../../src/cli/main.js';
import { table } from '../../../src/cli/table.js';

/** Parses without running any action or printing: returns the usage exit code it would give. */
async function usageExit(args: string[]): Promise<number> {
  const program = buildProgram().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  for (const command of program.commands) {
    command.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  }
  try {
    await program.parseAsync(['node', 'batchport', ...args]);
    return -1;
  } catch (error) {
    expect(error).toBeInstanceOf(CommanderError);
    return exitCodeOf(error);
  }
}

describe('argument parsers', () => {
  it('accepts integers in range only', () => {
    const limit = intInRange(1, 100);
    expect(limit('20')).toBe(20);
    expect(() => limit('0')).toThrow(/1 to 100/);
    expect(() => limit('101')).toThrow(/1 to 100/);
    expect(() => limit('2.5')).toThrow(/integer/);
    expect(() => limit('-1')).toThrow(/integer/);
  });

  it('accepts listed values and UUIDs only', () => {
    expect(oneOf(['csv', 'jsonl'] as const)('csv')).toBe('csv');
    expect(() => oneOf(['csv', 'jsonl'] as const)('xml')).toThrow(/csv, jsonl/);
    expect(batchId('0A6C6E4E-8B53-4D5C-9D4B-7B0D0E0F1A2B')).toBe('0a6c6e4e-8b53-4d5c-9d4b-7b0d0e0f1a2b');
    expect(() => batchId('urn:uuid:0a6c6e4e-8b53-4d5c-9d4b-7b0d0e0f1a2b')).toThrow(/UUID/);
  });
});

describe('usage errors exit 2; help exits 0', () => {
  it.each([
    [['ls', '--limit', 'x']],
    [['ls', '--status', 'done']],
    [['records', '0a6c6e4e-8b53-4d5c-9d4b-7b0d0e0f1a2b', '--format', 'xml']],
    [['upload']],
    [['upload', 'a.csv', '--parallel', '0']],
    [['status', 'nope']],
    [['frobnicate']],
    [['stats', '--bogus']],
  ])('%j', async (args) => {
    expect(await usageExit(args)).toBe(EXIT.usage);
  });

  it('--help', async () => {
    expect(await usageExit(['--help'])).toBe(EXIT.ok);
  });
});

describe('configuration', () => {
  it('takes flags over the environment', () => {
    const ctx = contextFrom(
      { url: 'http://127.0.0.1:9' },
      { BATCHPORT_URL: 'http://example.invalid', BATCHPORT_TOKEN: 't' },
    );
    expect(ctx.baseUrl).toBe('http://127.0.0.1:9');
  });

  it('refuses a missing token or a non-http URL as usage errors', () => {
    expect(() => contextFrom({}, {})).toThrow(CliError);
    expect(() => contextFrom({}, {})).toThrow(/no token/);
    expect(() => contextFrom({ url: 'ftp://x', token: 't' }, {})).toThrow(/http\(s\) URL/);
    const thrown = (() => {
      try {
        contextFrom({}, {});
        return null;
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toMatchObject({ exitCode: EXIT.usage });
  });
});

describe('collectFiles', () => {
  it('takes only supported extensions from a directory, in name order', async () => {
    const files = await collectFiles(['test/fixtures/contacts']);
    const names = files.map((f) => f.path.split('/').pop());
    expect(names).not.toContain('make_text_fixtures.py');
    expect(names).toContain('libreoffice-contacts.xlsx');
    expect(names).toEqual([...names].sort((a, b) => a!.localeCompare(b!)));
    expect(files.every((f) => f.size > 0)).toBe(true);
  });

  it('refuses a missing path as a usage error', async () => {
    await expect(collectFiles(['no/such/dir'])).rejects.toMatchObject({ exitCode: EXIT.usage });
  });
});

describe('table', () => {
  it('aligns columns', () => {
    expect(table(['A', 'BB'], [['xyz', '1']])).toBe('A    BB\n---  --\nxyz  1');
  });
});
