import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalStorage } from '../../../src/storage/localStorage.js';

const KEY = 'batches/ada@example.com-0a1b2c3d/00000000-0000-4000-8000-000000000001-x.csv';

/** The local-disk adapter over a temporary folder (local disk is no service: a unit test). */
describe('local storage', () => {
  let root: string;
  let previousUmask: number;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'batchport-local-'));
    // The usual umask: without the explicit modes, files would be 0644 and folders 0755.
    previousUmask = process.umask(0o022);
  });
  afterEach(async () => {
    process.umask(previousUmask);
    await rm(root, { recursive: true, force: true });
  });

  it('creates files 0600 and folders 0700 (uploads hold personal data)', async () => {
    const storage = createLocalStorage(join(root, 'store'));
    await storage.put(KEY, Readable.from([Buffer.from('Name\nA\n')]));
    expect((await stat(join(root, 'store', KEY))).mode & 0o777).toBe(0o600);
    for (const dir of ['store', 'store/batches', 'store/batches/ada@example.com-0a1b2c3d']) {
      expect((await stat(join(root, dir))).mode & 0o777, dir).toBe(0o700);
    }
  });

  it('removes only temp files older than the cut-off, and never lists them', async () => {
    const storage = createLocalStorage(root);
    await storage.put(KEY, Readable.from([Buffer.from('kept')]));
    const folder = join(root, 'batches/ada@example.com-0a1b2c3d');
    const stale = join(folder, '.tmp-stale');
    const fresh = join(folder, '.tmp-fresh');
    await writeFile(stale, 'half');
    await writeFile(fresh, 'in flight');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(stale, hourAgo, hourAgo);
    await utimes(join(root, KEY), hourAgo, hourAgo);

    const listed: string[] = [];
    for await (const o of storage.list('batches/')) {
      listed.push(o.key);
    }
    expect(listed).toEqual([KEY]);

    expect(await storage.removeStaleTemp('batches/', new Date(Date.now() - 60_000))).toBe(1);
    // The stored file is never a temp file, however old.
    expect((await readdir(folder)).sort()).toEqual(['.tmp-fresh', KEY.split('/')[2]].sort());
  });

  it('leaves no temp file when the body fails', async () => {
    const storage = createLocalStorage(root);
    async function* failing() {
      yield Buffer.from('Name\n');
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error('client went away');
    }
    await expect(storage.put(KEY, Readable.from(failing()))).rejects.toThrow(/client went away/);
    expect(await readdir(join(root, 'batches/ada@example.com-0a1b2c3d'))).toEqual([]);
  });
});
