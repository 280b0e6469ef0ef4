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

/**
 * The run's schemathesis.toml. `missing_auth` (the token did not work) fails the run.
 * `missing_test_data` does not: `POST /api/batches/{id}/retry` only succeeds on a batch in
 * `error`, which a fuzzer cannot produce, so it always warns there (the stateful phase's link
 * coverage, printed in the summary, shows the other id routes were reached with real batches).
 */
export function schemathesisConfig(): string {
  return [
    '[warnings]',
    'fail-on = ["missing_auth"]',
    '',
    // Reason: an upload must be a real contact file (CSV/vCard/spreadsheet), which no schema can
    // express; and a repeated Idempotency-Key with another file is the documented 409 (server state).
    '[[operations]]',
    'include-operation-id = "uploadBatch"',
    'checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "409"]',
    '',
    // Reason: as for the upload, a preview must be a real contact file, and "no field mapped from two
    // headers" in `mapping` is a rule no JSON Schema can express.
    '[[operations]]',
    'include-operation-id = "previewBatch"',
    'checks.positive_data_acceptance.expected-statuses = ["2xx", "400"]',
    '',
    // Reason: records of a batch id the fuzzer made up are a 404. (The cursor's form is declared
    // exactly since issue #19, so a schema-valid cursor is never a 400.)
    '[[operations]]',
    'include-operation-id = "listRecords"',
    // A cursor of another reading than the batch's current one (the fuzzer re-reads batches too)
    // is the documented 409 "start again" (issue #21, server state).
    'checks.positive_data_acceptance.expected-statuses = ["2xx", "404", "409"]',
    '',
    // Reason: a webhook URL must resolve to a public address (the SSRF guard resolves it) and a
    // user may hold at most 10 endpoints (server state); no schema can express either.
    '[[operations]]',
    'include-operation-id = "createWebhook"',
    'checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "409"]',
    '',
    '[[operations]]',
    'include-operation-id = "updateWebhook"',
    'checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404"]',
    '',
    // Reason: as for records, the deliveries cursor is opaque.
    '[[operations]]',
    'include-operation-id = "listWebhookDeliveries"',
    'checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404"]',
    '',
    // Reason: a test or replay on an endpoint the service disabled is the documented 409 (server state).
    '[[operations]]',
    'include-operation-id = "testWebhook"',
    'checks.positive_data_acceptance.expected-statuses = ["2xx", "404", "409"]',
    '',
    '[[operations]]',
    'include-operation-id = "replayWebhookDelivery"',
    'checks.positive_data_acceptance.expected-statuses = ["2xx", "404", "409"]',
    '',
    '[[operations]]',
    'include-operation-id = "replayFailedWebhookDeliveries"',
    'checks.positive_data_acceptance.expected-statuses = ["2xx", "404", "409"]',
    '',
    // Reason: as for listRecords, the cursor is opaque (issue #21's invalid rows).
    '[[operations]]',
    'include-operation-id = "listInvalidRows"',
    'checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404", "409"]',
    '',
    // Reason: fixes need a batch in `loaded` (409 otherwise, server state), and the multipart form
    // must be a CSV in the layout of errors.csv, which no schema can express.
    '[[operations]]',
    'include-operation-id = "fixInvalidRows"',
    'checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404", "409"]',
    '',
    // Reason: as for the upload preview, "no field mapped from two headers" in `mapping` is a rule no
    // JSON Schema can express, and a batch id the fuzzer made up is a 404 (issue #21's re-read).
    '[[operations]]',
    'include-operation-id = "reprocessBatch"',
    // The region's pattern is wider than the regions with a numbering plan there (unlike the
    // upload form, where an enum of ~240 codes in both cases is declared): an unsupported one is
    // a 400 with a message naming it.
    'checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404", "409"]',
    '',
    '[[operations]]',
    'include-operation-id = "previewStoredBatch"',
    'checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "404"]',
    '',
    // Reason: as for listWebhookDeliveries, the cursor is opaque (issue #21's remembered mappings).
    '[[operations]]',
    'include-operation-id = "listSavedMappings"',
    'checks.positive_data_acceptance.expected-statuses = ["2xx", "400"]',
    '',
    // Reason: a saved mapping is made only by an upload or preview of a real contact file with a
    // mapping (which no schema can express), so the ids the fuzzer sends are unknown: 404.
    '[[operations]]',
    'include-operation-id = "deleteSavedMapping"',
    'checks.positive_data_acceptance.expected-statuses = ["2xx", "404"]',
    '',
    // Reason: an endless event stream never completes a response, so every call would only time
    // out; test/integration/events and test/unit/http/events.test.ts cover it instead.
    '[[operations]]',
    'include-operation-id = "streamBatchEvents"',
    'enabled = false',
    '',
  ].join('\n');
}

export interface RunSettings {
  baseUrl: string;
  token: string;
  seed: number;
  maxExamples: number;
  reportDir: string;
  /** Where schemathesisConfig() was written. */
  configFile: string;
  /** Extra arguments for a narrower local run, e.g. `--include-path /api/batches/recent`. */
  extra: readonly string[];
}

/**
 * Every check, every phase. No check is excluded: the bar is zero failures with all of them on
 * (issue #10); an exclusion needs its own one-line reason here.
 */
export function schemathesisArgs(s: RunSettings): string[] {
  return [
    '--config-file',
    s.configFile,
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
