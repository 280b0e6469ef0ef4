import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { ALLOWED_EXTENSIONS } from '../validators/uploadValidators.js';
import { usageError } from './errors.js';

export interface LocalFile {
  path: string;
  size: number;
}

export function isSupported(path: string): boolean {
  return ALLOWED_EXTENSIONS.includes(extname(path).toLowerCase());
}

/**
 * The files to upload: each FILE as given (the server judges its type), and from each DIR (not
 * recursively) only the files with a supported extension, in name order. A missing path is a
 * usage error; the same file named twice is uploaded once.
 */
export async function collectFiles(paths: readonly string[]): Promise<LocalFile[]> {
  const files = new Map<string, LocalFile>();
  for (const path of paths) {
    const info = await stat(path).catch(() => {
      throw usageError(`no such file or directory: ${path}`);
    });
    if (info.isFile()) {
      files.set(path, { path, size: info.size });
      continue;
    }
    const entries = await readdir(path, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const child = join(path, entry.name);
      if (entry.isFile() && isSupported(entry.name)) {
        files.set(child, { path: child, size: (await stat(child)).size });
      }
    }
  }
  if (files.size === 0) {
    throw usageError(`no supported files (${ALLOWED_EXTENSIONS.join(' ')}) in ${paths.join(' ')}`);
  }
  return [...files.values()];
}
