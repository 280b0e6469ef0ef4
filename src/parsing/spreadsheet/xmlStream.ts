import { StringDecoder } from 'node:string_decoder';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { FileContentError } from '../../errors.js';
import { notXlsx } from './messages.js';

/** Element name without its namespace prefix: some writers emit `<x:row>` instead of `<row>`. */
export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/** Reacts to the SAX events of one XML part and hands out what it has completed. */
export interface XmlHandler<T> {
  open(name: string, attrs: Record<string, string>): void;
  close(name: string): void;
  text(text: string): void;
  /** What the events so far completed (rows, strings); emptied by the reader. */
  readonly out: T[];
}

/**
 * Parses an XML part chunk by chunk with saxes and yields what the handler completed after each
 * chunk, so memory holds one chunk's worth of output. Malformed XML is "not a valid XLSX".
 */
export async function* streamXml<T>(
  chunks: AsyncIterable<Buffer>,
  handler: XmlHandler<T>,
  onBytes: (n: number) => void = () => undefined,
): AsyncGenerator<T[]> {
  const parser = new SaxesParser({ xmlns: false, position: false });
  // saxes reports a self-closing tag as an open followed by a close.
  parser.on('opentag', (tag: SaxesTagPlain) => handler.open(localName(tag.name), tag.attributes));
  parser.on('closetag', (tag: SaxesTagPlain) => handler.close(localName(tag.name)));
  parser.on('text', (t) => handler.text(t));
  parser.on('cdata', (t) => handler.text(t));
  const decoder = new StringDecoder('utf8');
  const write = (s: string) => {
    try {
      parser.write(s);
    } catch (e) {
      // A handler's own refusal (a cell beyond Excel's last column) keeps its message.
      throw e instanceof FileContentError ? e : notXlsx();
    }
  };
  for await (const chunk of chunks) {
    write(decoder.write(chunk));
    onBytes(chunk.length);
    if (handler.out.length > 0) {
      yield handler.out.splice(0);
    }
  }
  write(decoder.end());
  try {
    parser.close();
  } catch {
    throw notXlsx();
  }
  if (handler.out.length > 0) {
    yield handler.out.splice(0);
  }
}

/** Excel escapes characters XML cannot carry as `_xHHHH_` (e.g. `_x000D_` for a CR). */
export function decodeExcelEscapes(s: string): string {
  return s.includes('_x')
    ? s.replace(/_x([\da-fA-F]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    : s;
}
