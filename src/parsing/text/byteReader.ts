/** Pulls chunks from a byte stream into one buffer on demand (for look-ahead while decoding). */
export class ByteReader {
  /** Bytes read but not consumed yet. */
  buf: Buffer = Buffer.alloc(0);
  eof = false;
  private readonly it: AsyncIterator<Buffer>;

  constructor(input: AsyncIterable<Buffer>) {
    this.it = input[Symbol.asyncIterator]();
  }

  /** Appends the next chunk (or sets `eof`). */
  async readMore(): Promise<void> {
    const r = await this.it.next();
    if (r.done) {
      this.eof = true;
      return;
    }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    this.buf = this.buf.length > 0 ? Buffer.concat([this.buf, chunk]) : chunk;
  }

  /** Reads until `n` bytes are buffered or the input ends. */
  async fillTo(n: number): Promise<void> {
    while (this.buf.length < n && !this.eof) {
      await this.readMore();
    }
  }

  skip(n: number): void {
    this.buf = this.buf.subarray(n);
  }

  /** Returns and forgets the buffered bytes. */
  take(): Buffer {
    const b = this.buf;
    this.buf = Buffer.alloc(0);
    return b;
  }

  /** Releases the input when it was not read to the end. */
  async close(): Promise<void> {
    if (!this.eof) {
      await this.it.return?.();
    }
  }
}
