import { MAX_VCARD_LINE_BYTES } from '../limits.js';

/** Bytes -> logical lines: physical lines split, then unfolded (and QP soft breaks joined). */

export interface LogicalLine {
  bytes: Buffer;
  truncated: boolean;
}

export class LineAssembler {
  private parts: Buffer[] = [];
  private size = 0;
  private truncated = false;
  private qp = false;
  private lastByte = -1;
  private open = false;

  constructor(private readonly emit: (line: LogicalLine) => void) {}

  private append(b: Buffer): void {
    if (b.length === 0) {
      return;
    }
    this.lastByte = b[b.length - 1]!;
    const room = MAX_VCARD_LINE_BYTES - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const take = b.length > room ? b.subarray(0, room) : b;
    if (take.length < b.length) {
      this.truncated = true;
    }
    this.parts.push(Buffer.from(take));
    this.size += take.length;
  }

  /** One physical line (without its line break); `cut` when the physical line itself was capped. */
  line(phys: Buffer, cut: boolean): void {
    const first = phys[0];
    if (this.open && (first === 0x20 || first === 0x09)) {
      this.append(phys.subarray(1));
    } else if (this.open && this.qp && this.lastByte === 0x3d /* = */) {
      // QUOTED-PRINTABLE soft line break: drop the "=" and join.
      const last = this.parts[this.parts.length - 1];
      if (last && last.length > 0) {
        this.parts[this.parts.length - 1] = last.subarray(0, last.length - 1);
        this.size--;
      }
      this.lastByte = -1;
      this.append(phys);
    } else {
      this.flush();
      if (phys.length === 0) {
        return;
      }
      this.open = true;
      this.append(phys);
      const colon = phys.indexOf(0x3a);
      const head = phys.subarray(0, colon < 0 ? Math.min(phys.length, 512) : colon).toString('latin1');
      this.qp = /QUOTED-PRINTABLE/i.test(head);
    }
    if (cut) {
      this.truncated = true;
    }
  }

  flush(): void {
    if (this.open) {
      this.emit({ bytes: Buffer.concat(this.parts, this.size), truncated: this.truncated });
    }
    this.parts = [];
    this.size = 0;
    this.truncated = false;
    this.qp = false;
    this.lastByte = -1;
    this.open = false;
  }
}

/** Splits chunks into physical lines (CRLF, LF or CR), each capped at MAX_VCARD_LINE_BYTES. */
export class PhysicalLines {
  private parts: Buffer[] = [];
  private size = 0;
  private cut = false;
  private pendingCR = false;

  constructor(private readonly out: LineAssembler) {}

  private add(b: Buffer): void {
    const room = MAX_VCARD_LINE_BYTES + 1 - this.size;
    if (room <= 0) {
      if (b.length > 0) {
        this.cut = true;
      }
      return;
    }
    const take = b.length > room ? b.subarray(0, room) : b;
    if (take.length < b.length) {
      this.cut = true;
    }
    if (take.length > 0) {
      this.parts.push(Buffer.from(take));
      this.size += take.length;
    }
  }

  private end(): void {
    this.out.line(Buffer.concat(this.parts, this.size), this.cut);
    this.parts = [];
    this.size = 0;
    this.cut = false;
  }

  write(chunk: Buffer): void {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.pendingCR) {
        this.pendingCR = false;
        if (b === 0x0a && i === start) {
          start = i + 1;
          continue;
        }
      }
      if (b === 0x0a || b === 0x0d) {
        this.add(chunk.subarray(start, i));
        this.end();
        if (b === 0x0d) {
          if (i + 1 < chunk.length) {
            if (chunk[i + 1] === 0x0a) {
              i++;
            }
          } else {
            this.pendingCR = true;
          }
        }
        start = i + 1;
      }
    }
    this.add(chunk.subarray(start));
  }

  finish(): void {
    if (this.size > 0 || this.cut) {
      this.end();
    }
    this.out.flush();
  }
}
