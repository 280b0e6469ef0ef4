import { normalizeContact, type RawContact } from './normalizeContact.js';
import { RegionEvidenceCollector, type RegionInference } from './regionInference.js';
import type { ParsedRow } from './types.js';

/** Rows looked at for the file's region before the first row is normalised (bounded memory). */
export const REGION_SAMPLE_ROWS = 200;

/**
 * ISO 3166's "unknown or unspecified" code: no numbering plan, so a number without a country
 * code gets null and the issue "has no country code (+…) and no region to read it in".
 */
const NO_REGION = 'ZZ';

export interface RowRegionOptions {
  /** The uploader's region; when set, no region is inferred. */
  phoneRegion: string | null;
  /** The deployment's region, used when the file's evidence is absent or too thin. */
  defaultRegion: string;
  /** Hears the inference once it is made (not called when phoneRegion is set). */
  onInference: (inference: RegionInference) => void;
}

/**
 * Normalises raw contacts in file order, a batch at a time (one array in, one array out: no
 * await per row). Without a phoneRegion the first REGION_SAMPLE_ROWS rows are held back and
 * their evidence decides the region (regionInference.ts): the inferred region, no region at all
 * when the evidence conflicts, or the default. A row's own country cell still wins over all of
 * them. A parse error while rows are held back still yields those rows first.
 */
export async function* normalizeRows(
  raws: AsyncIterable<RawContact[]>,
  opts: RowRegionOptions,
): AsyncGenerator<ParsedRow[]> {
  const normalise = (batch: readonly RawContact[], region: string): ParsedRow[] => {
    const out = new Array<ParsedRow>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      out[i] = normalizeContact(batch[i]!, region);
    }
    return out;
  };
  if (opts.phoneRegion !== null) {
    for await (const batch of raws) {
      yield normalise(batch, opts.phoneRegion);
    }
    return;
  }
  let held: RawContact[] = [];
  const evidence = new RegionEvidenceCollector();
  let region: string | null = null;
  const decide = (): string => {
    const inference = evidence.decide();
    opts.onInference(inference);
    return inference.status === 'inferred'
      ? inference.region!
      : inference.status === 'conflict'
        ? NO_REGION
        : opts.defaultRegion;
  };
  try {
    for await (const batch of raws) {
      if (region !== null) {
        yield normalise(batch, region);
        continue;
      }
      for (const raw of batch) {
        held.push(raw);
        if (held.length <= REGION_SAMPLE_ROWS) {
          evidence.add(raw.fields);
        }
      }
      if (held.length >= REGION_SAMPLE_ROWS) {
        region = decide();
        const taken = held;
        held = [];
        yield normalise(taken, region);
      }
    }
  } finally {
    if (region === null && held.length > 0) {
      region = decide();
      // Rows read before the input ended (or failed) come out before its end (or error).
      const taken = held;
      held = [];
      yield normalise(taken, region);
    }
  }
}
