import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../../../src/cli/errors.js';
import { openOutputFile } from '../../../src/cli/outputFile.js';

/** `-o FILE` writes personal data: a new file, owner-only, never through a link (issue #19). */
describe('the export output file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'batchport-out-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function write(path: string, text: string): Promise<void> {
    const out = openOutputFile(path);
    out.end(text);
    await once(out, 'finish');
  }

  it('creates a new file readable by its owner only, whatever the umask', async () => {
    const previous = process.umask(0o000);
    try {
      await write(join(dir, 'records.csv'), 'Ada,ada@example.com\n');
    } finally {
      process.umask(previous);
    }
    expect(statSync(join(dir, 'records.csv')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'records.csv'), 'utf8')).toBe('Ada,ada@example.com\n');
  });

  it('refuses a symbolic link, leaving its target untouched, and a dangling one', () => {
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'keep me');
    symlinkSync(victim, join(dir, 'link.csv'));
    symlinkSync(join(dir, 'nowhere.csv'), join(dir, 'dangling.csv'));
    for (const name of ['link.csv', 'dangling.csv']) {
      expect(() => openOutputFile(join(dir, name)), name).toThrow(CliError);
    }
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
    expect(() => statSync(join(dir, 'nowhere.csv'))).toThrow(/ENOENT/);
  });

  it('refuses to overwrite an existing file, with a usage error naming it', () => {
    const existing = join(dir, 'old.csv');
    writeFileSync(existing, 'old');
    expect(() => openOutputFile(existing)).toThrow(
      `${existing} already exists (a file or a link): -o writes a new file only`,
    );
    expect(readFileSync(existing, 'utf8')).toBe('old');
  });
});
