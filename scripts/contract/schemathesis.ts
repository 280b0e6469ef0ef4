/**
 * schemathesis (PyPI), pinned with all its dependencies in ./requirements.txt, installed into
 * `.tools/schemathesis-venv`, and the command line the contract run gives it.
 */
import path from 'node:path';
import { ensurePythonTool } from '../lib/pythonVenv.js';

const REQUIREMENTS = path.join(import.meta.dirname, 'requirements.txt');

export function ensureSchemathesis(log: (message: string) => void): Promise<string> {
  return ensurePythonTool({
    venv: 'schemathesis-venv',
    bin: 'schemathesis',
    pipArgs: ['-r', REQUIREMENTS],
    minPython: [3, 11],
    log,
  });
}

export interface RunSettings {
  baseUrl: string;
  token: string;
  seed: number;
  maxExamples: number;
  reportDir: string;
  /** Extra arguments for a narrower local run, e.g. `--include-path /api/batches/recent`. */
  extra: readonly string[];
}

/**
 * Every check, every phase. No check is excluded: the bar is zero failures with all of them on
 * (issue #10); an exclusion needs its own one-line reason here.
 */
export function schemathesisArgs(s: RunSettings): string[] {
  return [
    'run',
    `${s.baseUrl}/openapi.json`,
    '--header',
    `Authorization: Bearer ${s.token}`,
    '--checks',
    'all',
    '--phases',
    'examples,coverage,fuzzing,stateful',
    '--max-examples',
    String(s.maxExamples),
    '--seed',
    String(s.seed),
    // Reproducible: no example database carried between runs (it would also land in the repo).
    '--generation-database',
    'none',
    '--request-timeout',
    '30',
    '--report',
    'junit',
    '--report-dir',
    s.reportDir,
    ...s.extra,
  ];
}
