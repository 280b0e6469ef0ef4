import { constants, createWriteStream, openSync, type WriteStream } from 'node:fs';
import { usageError } from './errors.js';

/**
 * Opens `-o FILE` for an export, which holds personal data (names, e-mails, phone numbers):
 * created new (O_EXCL: an existing file or any link there, dangling or not, is refused rather
 * than followed or overwritten), never through a symbolic link (O_NOFOLLOW), readable by its
 * owner only (0600, whatever the umask allows less). Opened before anything is downloaded, so a
 * refused path costs no request.
 */
export function openOutputFile(path: string): WriteStream {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  let fd: number;
  try {
    fd = openSync(path, flags, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ELOOP') {
      throw usageError(`${path} already exists (a file or a link): -o writes a new file only`);
    }
    throw usageError(`cannot create ${path} (${code ?? (error as Error).message})`);
  }
  return createWriteStream('', { fd });
}
