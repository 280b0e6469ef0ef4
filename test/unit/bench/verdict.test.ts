import { describe, expect, it } from 'vitest';
import {
  computeRatios,
  exitCode,
  GOALS,
  HEADLINE_KEYS,
  judge,
  recordSamples,
  spreadOf,
  type Results,
  type RunScope,
} from '../../../bench/lib/verdict.js';

/** A complete, passing set of figures: every headline key with samples, every goal met. */
function passing(): Results {
  const r: Results = {};
  const figures: Record<string, number[]> = {
    ingest_csv_rows_per_s: [70_000, 72_000, 71_000],
    ingest_xlsx_rows_per_s: [30_000, 31_000, 29_000],
    ingest_vcf_rows_per_s: [20_000, 21_000, 22_000],
    raw_parse_rows_per_s: [90_000, 91_000, 92_000],
    raw_insert_rows_per_s: [80_000, 81_000, 82_000],
    cqlsh_copy_rows_per_s: [30_000, 31_000, 32_000],
    upload_mib_per_s: [60, 61, 62],
    upload_p99_ms: [100, 101, 102],
    raw_put_mib_per_s: [62, 63, 64],
    raw_put_p99_ms: [95, 96, 97],
    status_rps: [9_000, 9_100, 9_200],
    list_rps: [6_000, 6_100, 6_200],
    baseline_rps: [20_000, 20_100, 20_200],
    baseline_auth_rps: [10_000, 10_100, 10_200],
    worker_peak_rss_mib: [200, 210, 220],
    raw_parse_1_thread_rows_per_s: [50_000],
    raw_parse_2_threads_rows_per_s: [95_000],
    parser_rows_per_s: [40_000, 41_000, 42_000],
    parser_parts_rows_per_s: [60_000, 61_000, 62_000],
    parser_vs_parts: [0.66, 0.67, 0.68],
  };
  for (const [key, samples] of Object.entries(figures)) {
    recordSamples(r, key, samples);
  }
  computeRatios(r);
  return r;
}

const ALL: RunScope = {
  sections: new Set(['ingest', 'upload', 'reads', 'rss', 'parse_threads']),
  full: true,
};

describe('bench verdict', () => {
  it('a complete run that meets every goal has no problems and exits 0', () => {
    const r = passing();
    expect(judge(r, ALL)).toEqual([]);
    expect(exitCode(judge(r, ALL), false)).toBe(0);
  });

  it('records the median with its min–max spread and the samples', () => {
    const r: Results = {};
    recordSamples(r, 'x_rows_per_s', [30, 10, 20, 40]);
    expect(r['x_rows_per_s']).toBe(25);
    expect(r['x_rows_per_s_spread']).toEqual([10, 40]);
    expect(r['x_rows_per_s_samples']).toEqual([30, 10, 20, 40]);
    expect(spreadOf([5])).toEqual({ median: 5, min: 5, max: 5 });
  });

  it('refuses to summarise no samples or a non-finite one', () => {
    expect(() => spreadOf([])).toThrow(/cannot summarise/);
    expect(() => spreadOf([1, Number.NaN])).toThrow(/cannot summarise/);
  });

  it('gives each ratio the spread of the worst and best combination of its inputs', () => {
    const r: Results = {};
    recordSamples(r, 'upload_mib_per_s', [40, 50, 60]);
    recordSamples(r, 'raw_put_mib_per_s', [50, 100, 80]);
    computeRatios(r);
    expect(r['ratio_upload_vs_raw_put']).toBe(0.63);
    expect(r['ratio_upload_vs_raw_put_spread']).toEqual([0.4, 1.2]);
  });

  it('a failed section fails the run with its message', () => {
    const r = passing();
    r['upload_error'] = 'connect ECONNREFUSED 127.0.0.1:8533';
    const problems = judge(r, ALL);
    expect(problems).toEqual(['section upload failed: connect ECONNREFUSED 127.0.0.1:8533']);
    expect(exitCode(problems, false)).toBe(1);
  });

  it('a missing ratio input fails the run even when the other input exists', () => {
    const r = passing();
    delete r['cqlsh_copy_rows_per_s'];
    delete r['ratio_ingest_csv_vs_cqlsh'];
    const problems = judge(r, { sections: new Set(['ingest']), full: false });
    expect(problems).toEqual(['ratio ratio_ingest_csv_vs_cqlsh: input cqlsh_copy_rows_per_s is missing']);
    expect(exitCode(problems, false)).toBe(1);
  });

  it('a ratio whose inputs exist but that was not computed (zero denominator) fails the run', () => {
    const r = passing();
    r['raw_put_p99_ms'] = 0;
    delete r['ratio_upload_p99_vs_raw_put_p99'];
    computeRatios(r);
    expect(judge(r, { sections: new Set(['upload']), full: false })).toEqual([
      'ratio ratio_upload_p99_vs_raw_put_p99: not computable from upload_p99_ms / raw_put_p99_ms',
    ]);
  });

  it('a full run with a headline key or its spread missing fails', () => {
    for (const key of HEADLINE_KEYS) {
      const r = passing();
      delete r[`${key}_spread`];
      expect(judge(r, ALL), key).toContain(`missing spread: ${key}_spread`);
      delete r[key];
      expect(judge(r, ALL), key).toContain(`missing figure: ${key}`);
    }
  });

  it('every goal of issues #13, #20, #21 and #23 can be missed, with one line naming it', () => {
    expect(GOALS.map((g) => g.key)).toEqual([
      'worker_peak_rss_mib',
      'ratio_ingest_csv_vs_cqlsh',
      'ratio_ingest_csv_vs_raw_insert',
      'ratio_upload_vs_raw_put',
      'ratio_upload_p99_vs_raw_put_p99',
      'ratio_status_vs_baseline_auth',
      'ratio_list_vs_baseline_auth',
      'ratio_raw_parse_2_vs_1_threads',
      'parser_vs_parts',
      'webhook_deliveries_per_s',
      'webhook_latency_p99_ms',
      'known_contacts_cost_ratio',
      'ratio_e2e_drop_to_loaded_vs_cqlsh',
    ]);
    for (const goal of GOALS) {
      const r = passing();
      r[goal.key] = goal.op === '>=' ? goal.target - 0.01 : goal.target + 0.01;
      expect(judge(r, ALL), goal.key).toEqual([
        `goal missed: ${goal.key} = ${String(r[goal.key])}, wanted ${goal.op} ${goal.target}`,
      ]);
    }
  });

  it('a goal met exactly at its target passes', () => {
    const r = passing();
    r['worker_peak_rss_mib'] = 256;
    r['ratio_upload_vs_raw_put'] = 0.8;
    expect(judge(r, ALL)).toEqual([]);
  });

  it('ratios of sections that were not run are not judged', () => {
    const r: Results = {};
    recordSamples(r, 'upload_mib_per_s', [60]);
    recordSamples(r, 'raw_put_mib_per_s', [61]);
    recordSamples(r, 'upload_p99_ms', [100]);
    recordSamples(r, 'raw_put_p99_ms', [99]);
    computeRatios(r);
    expect(judge(r, { sections: new Set(['upload']), full: false })).toEqual([]);
  });

  it('--no-fail reports the problems but exits 0', () => {
    expect(exitCode(['goal missed: x'], true)).toBe(0);
    expect(exitCode([], false)).toBe(0);
  });
});
