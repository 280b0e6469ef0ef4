import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DependencyUnavailableError, NotFoundError } from '../errors.js';
import { assertSafeKey } from './storageKey.js';
import type { FileStorage, StoredObject } from './fileStorage.js';

/** Local-disk storage for development and single-host installs; keys map to paths under rootDir. */
export function createLocalStorage(rootDir: string): FileStorage {
  const root = resolve(rootDir);

  function pathFor(key: string): string {
    assertSafeKey(key);
    const full = resolve(root, key);
    // Defence in depth: even a key that passed validation must resolve inside the root.
    if (!full.startsWith(root + sep)) {
      throw new NotFoundError('object not found');
    }
    return full;
  }

  async function fsyncPath(path: string): Promise<void> {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  return {
    kind: 'local',

    async put(key, body: Readable) {
      const target = pathFor(key);
      const dir = dirname(target);
      await mkdir(dir, { recursive: true });
      // Write to a temp name, fsync, then rename: a crash never leaves a half file under the key.
      const temp = join(dir, `.tmp-${randomUUID()}`);
      try {
        await pipeline(body, createWriteStream(temp, { flags: 'wx' }));
        await fsyncPath(temp);
        await rename(temp, target);
        await fsyncPath(dir);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    },

    async get(key) {
      const path = pathFor(key);
      try {
        await stat(path);
      } catch {
        throw new NotFoundError('stored file not found');
      }
      return createReadStream(path);
    },

    async delete(key) {
      await rm(pathFor(key), { force: true });
    },

    // Local disk is the development/single-host backend: one directory walk per call is fine.
    async *list(prefix, startAfter): AsyncIterable<StoredObject> {
      const start = resolve(root, prefix);
      if (start !== root && !start.startsWith(root + sep)) {
        return;
      }
      let entries;
      try {
        entries = await readdir(start, { recursive: true, withFileTypes: true });
      } catch {
        return;
      }
      const keys = entries
        .filter((entry) => entry.isFile() && !entry.name.startsWith('.tmp-'))
        .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
        .filter((key) => startAfter === undefined || key > startAfter)
        .sort();
      for (const key of keys) {
        const info = await stat(join(root, key)).catch(() => null);
        if (info) {
          yield { key, lastModified: info.mtime };
        }
      }
    },

    async ping() {
      try {
        await mkdir(root, { recursive: true });
        await stat(root);
      } catch (error) {
        throw new DependencyUnavailableError('local storage is not writable', undefined, {
          cause: error,
          dependency: 'storage',
        });
      }
    },
  };
}
