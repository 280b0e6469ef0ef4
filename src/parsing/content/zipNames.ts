/**
 * Watches the raw bytes of a zip upload for the entry names that tell an Excel workbook from
 * other zip-based files. Names appear uncompressed in the local headers (and again in the
 * central directory), so a substring search with a short carried tail is enough.
 */
const ZIP_NAMES = {
  contentTypes: '[Content_Types].xml',
  workbook: 'xl/workbook.',
  word: 'word/document.xml',
  powerpoint: 'ppt/presentation.xml',
  opendocument: 'application/vnd.oasis.opendocument',
} as const;
type ZipName = keyof typeof ZIP_NAMES;
const LONGEST_NAME = Math.max(...Object.values(ZIP_NAMES).map((n) => n.length));

export class ZipNameScanner {
  private readonly seen = new Set<ZipName>();
  private tail = '';

  update(chunk: Buffer): void {
    const text = this.tail + chunk.toString('latin1');
    for (const [k, name] of Object.entries(ZIP_NAMES) as [ZipName, string][]) {
      if (!this.seen.has(k) && text.includes(name)) {
        this.seen.add(k);
      }
    }
    this.tail = text.slice(-LONGEST_NAME);
  }

  /** At the end of the upload: the message when the zip is not an Excel workbook, or null. */
  problem(): string | null {
    const { seen } = this;
    if (seen.has('opendocument')) {
      return 'content is an OpenDocument spreadsheet (.ods), not an XLSX workbook; save it as .xlsx';
    }
    if (!seen.has('workbook') && seen.has('word')) {
      return 'content is a Word document, not an XLSX workbook';
    }
    if (!seen.has('workbook') && seen.has('powerpoint')) {
      return 'content is a PowerPoint presentation, not an XLSX workbook';
    }
    if (!seen.has('contentTypes') || !seen.has('workbook')) {
      return 'file is not a valid XLSX workbook (a ZIP archive without an Excel workbook inside)';
    }
    return null;
  }
}
