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
 * Normalises raw contacts in file order. Without a phoneRegion the first REGION_SAMPLE_ROWS rows
 * are held back and their evidence decides the region (regionInference.ts): the inferred region,
 * no region at all when the evidence conflicts, or the default. A row's own country cell still
 * wins over all of them. A parse error while rows are held back still yields those rows first.
 */
export async function* normalizeRows(
  raws: AsyncIterable<RawContact>,
  opts: RowRegionOptions,
): AsyncGenerator<ParsedRow> {
  if (opts.phoneRegion !== null) {
    for await (const raw of raws) {
      yield normalizeContact(raw, opts.phoneRegion);
    }
    return;
  }
  const held: RawContact[] = [];
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
    for await (const raw of raws) {
      if (region !== null) {
        yield normalizeContact(raw, region);
        continue;
      }
      held.push(raw);
      evidence.add(raw.fields);
      if (held.length >= REGION_SAMPLE_ROWS) {
        region = decide();
        yield* held.splice(0).map((r) => normalizeContact(r, region!));
      }
    }
  } finally {
    if (region === null && held.length > 0) {
      region = decide();
      // Rows read before the input ended (or failed) come out before its end (or error).
      yield* held.splice(0).map((r) => normalizeContact(r, region!));
    }
  }
}
