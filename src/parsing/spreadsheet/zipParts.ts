import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { FileContentError } from '../../errors.js';
import { notXlsx, tooBig } from './messages.js';

/**
 * Random access to the parts of an XLSX held in memory (the upload is at most 10 MB): each part
 * is inflated as a stream when it is read, so only the part being parsed is ever inflated, one
 * chunk at a time.
 *
 * Parsing is bounded here, whatever the workbook's XML says: each part can be read ONCE (a
 * workbook listing one worksheet 200 times made the reader inflate and parse it 200 times), and
 * every inflated byte handed out counts against `maxParsedBytes` (MAX_UNCOMPRESSED_BYTES), across
 * all parts and passes. inflateAndScan's own check of the same cap comes first, on the whole zip.
 */
export class ZipParts {
  private readonly opened = new Set<string>();
  private parsed = 0;

  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly entries: Map<string, yauzl.Entry>,
    private readonly maxParsedBytes: number,
  ) {}

  static async open(buf: Buffer, maxParsedBytes: number): Promise<ZipParts> {
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
    return new ZipParts(zip, entries, maxParsedBytes);
  }

  has(name: string): boolean {
    return this.entries.has(name.toLowerCase());
  }

  /** Inflated size of a part as the directory declares it (checked by yauzl while reading). */
  size(name: string): number {
    return this.entries.get(name.toLowerCase())?.uncompressedSize ?? 0;
  }

  /** Inflated bytes handed out so far, all parts together. */
  get parsedBytes(): number {
    return this.parsed;
  }

  /**
   * The inflated chunks of one part, which may be asked for once; the stream is destroyed when
   * the caller stops early. A part the workbook points to twice (a worksheet that is also the
   * shared-strings table, say) is not a valid workbook.
   */
  async *chunks(name: string): AsyncGenerator<Buffer> {
    const key = name.toLowerCase();
    const entry = this.entries.get(key);
    if (!entry) {
      throw notXlsx(` (${name} is missing)`);
    }
    if (this.opened.has(key)) {
      throw notXlsx(` (the part ${name} is used more than once)`);
    }
    this.opened.add(key);
    const stream = await new Promise<Readable>((resolve, reject) => {
      this.zip.openReadStream(entry, (err, s) => (err ? reject(notXlsx(` (${err.message})`)) : resolve(s)));
    });
    try {
      for await (const chunk of stream) {
        this.parsed += (chunk as Buffer).length;
        if (this.parsed > this.maxParsedBytes) {
          throw tooBig(this.maxParsedBytes);
        }
        yield chunk as Buffer;
      }
    } catch (e) {
      if (e instanceof FileContentError) {
        throw e;
      }
      throw notXlsx(` (${e instanceof Error ? e.message : String(e)})`);
    } finally {
      stream.destroy();
    }
  }

  close(): void {
    this.zip.close();
  }
}
