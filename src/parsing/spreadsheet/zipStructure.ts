import { MAX_ZIP_ENTRIES } from '../limits.js';
import { ZIP_LOCAL_HEADER, notXlsx, passwordProtected, tooBig } from './messages.js';

const EOCD_SIZE = 22;
const CENTRAL_HEADER_SIZE = 46;

interface CentralDirectory {
  /** Offset of the end-of-central-directory record. */
  eocd: number;
  offset: number;
  entries: number;
}

/**
 * The end-of-central-directory record must be exactly at the end (no comment, no zip64, one
 * disk), so every zip reader finds the same directory.
 */
function readCentralDirectory(buf: Buffer): CentralDirectory {
  if (buf.length < EOCD_SIZE || !buf.subarray(0, 4).equals(ZIP_LOCAL_HEADER)) {
    throw notXlsx(' (it is not a zip archive)');
  }
  const eocd = buf.length - EOCD_SIZE;
  if (buf.readUInt32LE(eocd) !== 0x06054b50) {
    throw notXlsx(' (the zip archive is damaged or has a trailing comment)');
  }
  const diskEntries = buf.readUInt16LE(eocd + 8);
  const entries = buf.readUInt16LE(eocd + 10);
  const size = buf.readUInt32LE(eocd + 12);
  const offset = buf.readUInt32LE(eocd + 16);
  if (
    buf.readUInt16LE(eocd + 4) !== 0 ||
    buf.readUInt16LE(eocd + 6) !== 0 ||
    diskEntries !== entries ||
    entries === 0xffff ||
    offset === 0xffffffff ||
    offset + size > eocd
  ) {
    throw notXlsx(' (unsupported or damaged zip archive)');
  }
  if (entries > MAX_ZIP_ENTRIES) {
    throw notXlsx(` (it contains ${entries} files)`);
  }
  return { eocd, offset, entries };
}

interface CentralEntry {
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  /** Bytes of this central directory header, with name, extra field and comment. */
  headerLength: number;
}

/** One central directory header: no encryption, no zip64, stored or deflated only. */
function readCentralEntry(buf: Buffer, p: number, dir: CentralDirectory): CentralEntry {
  if (p + CENTRAL_HEADER_SIZE > dir.eocd || buf.readUInt32LE(p) !== 0x02014b50) {
    throw notXlsx(' (damaged zip directory)');
  }
  const entry: CentralEntry = {
    method: buf.readUInt16LE(p + 10),
    compressedSize: buf.readUInt32LE(p + 20),
    size: buf.readUInt32LE(p + 24),
    localOffset: buf.readUInt32LE(p + 42),
    headerLength:
      CENTRAL_HEADER_SIZE + buf.readUInt16LE(p + 28) + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32),
  };
  // Bit 0: encrypted, bit 6: strong encryption.
  if (buf.readUInt16LE(p + 8) & 0x41) {
    throw passwordProtected();
  }
  if (entry.compressedSize === 0xffffffff || entry.size === 0xffffffff || entry.localOffset === 0xffffffff) {
    throw notXlsx(' (zip64 archives are not supported)');
  }
  if (entry.method !== 0 && entry.method !== 8) {
    throw notXlsx(' (unsupported zip compression)');
  }
  return entry;
}

/**
 * The local header must agree with the central directory on method and sizes: SheetJS trusts
 * the local header, yauzl the central directory, so both must inflate the same bytes.
 */
function checkLocalHeader(buf: Buffer, entry: CentralEntry, dir: CentralDirectory): void {
  const local = entry.localOffset;
  if (local + 30 > dir.offset || buf.readUInt32LE(local) !== 0x04034b50) {
    throw notXlsx(' (damaged zip entry)');
  }
  const flags = buf.readUInt16LE(local + 6);
  const method = buf.readUInt16LE(local + 8);
  const compressedSize = buf.readUInt32LE(local + 18);
  const size = buf.readUInt32LE(local + 22);
  const sizesInDescriptor = (flags & 0x08) !== 0 && compressedSize === 0 && size === 0;
  const sizesDiffer = compressedSize !== entry.compressedSize || size !== entry.size;
  if (method !== entry.method || (!sizesInDescriptor && sizesDiffer)) {
    throw notXlsx(' (zip entry headers disagree)');
  }
}

/**
 * Structural checks of the zip before SheetJS sees it (see the functions above); the total
 * declared uncompressed size must stay within `cap`.
 */
export function checkZipStructure(buf: Buffer, cap: number): void {
  const dir = readCentralDirectory(buf);
  let p = dir.offset;
  let declared = 0;
  for (let i = 0; i < dir.entries; i++) {
    const entry = readCentralEntry(buf, p, dir);
    declared += entry.size;
    if (declared > cap) {
      throw tooBig(cap);
    }
    checkLocalHeader(buf, entry, dir);
    p += entry.headerLength;
  }
}
