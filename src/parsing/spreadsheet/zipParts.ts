import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { notXlsx } from './messages.js';

/**
 * Random access to the parts of an XLSX held in memory (the upload is at most 10 MB): each part
 * is inflated as a stream when it is read, so only the part being parsed is ever inflated, one
 * chunk at a time. The sizes were checked against the budget by inflateAndScan beforehand.
 */
export class ZipParts {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly entries: Map<string, yauzl.Entry>,
  ) {}

  static async open(buf: Buffer): Promise<ZipParts> {
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
      yauzl.fromBuffer(
        buf,
        { lazyEntries: true, validateEntrySizes: true, decodeStrings: true, strictFileNames: false },
        (err, z) => (err ? reject(notXlsx(` (${err.message})`)) : resolve(z)),
      );
    });
    const entries = new Map<string, yauzl.Entry>();
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (e: Error) => reject(notXlsx(` (${e.message})`)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        // Part names are case-insensitive in OPC.
        entries.set(entry.fileName.toLowerCase(), entry);
        zip.readEntry();
      });
      zip.readEntry();
    });
    return new ZipParts(zip, entries);
  }

  has(name: string): boolean {
    return this.entries.has(name.toLowerCase());
  }

  /** Inflated size of a part as the directory declares it (checked by yauzl while reading). */
  size(name: string): number {
    return this.entries.get(name.toLowerCase())?.uncompressedSize ?? 0;
  }

  /** The inflated chunks of one part; the stream is destroyed when the caller stops early. */
  async *chunks(name: string): AsyncGenerator<Buffer> {
    const entry = this.entries.get(name.toLowerCase());
    if (!entry) {
      throw notXlsx(` (${name} is missing)`);
    }
    const stream = await new Promise<Readable>((resolve, reject) => {
      this.zip.openReadStream(entry, (err, s) => (err ? reject(notXlsx(` (${err.message})`)) : resolve(s)));
    });
    try {
      for await (const chunk of stream) {
        yield chunk as Buffer;
      }
    } catch (e) {
      throw notXlsx(` (${e instanceof Error ? e.message : String(e)})`);
    } finally {
      stream.destroy();
    }
  }

  close(): void {
    this.zip.close();
  }
}
