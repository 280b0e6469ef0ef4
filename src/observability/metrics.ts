import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { createRecentEvents } from './recentEvents.js';

/** How far back the worker's /readyz counts jobs left for a worker with another store. */
export const FOREIGN_STORE_RECENT_MS = 15 * 60_000;

export type Metrics = ReturnType<typeof createMetrics>;

/** Prometheus metrics, one registry per process (API or worker), served at /metrics. */
export function createMetrics(role: 'api' | 'worker' | 'all') {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry });

  return {
    registry,
    httpRequests: new Counter({
      name: 'batchport_http_requests_total',
      help: 'HTTP requests by route and status code',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'batchport_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    uploads: new Counter({
      name: 'batchport_uploads_total',
      help: 'Uploads by outcome (accepted, replayed, rejected, failed)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    uploadBytes: new Counter({
      name: 'batchport_upload_bytes_total',
      help: 'Bytes of accepted uploads',
      registers: [registry],
    }),
    jobs: new Counter({
      name: 'batchport_jobs_total',
      help: 'Job runs by outcome (loaded, error, retried, cancelled, deferred: put back until an earlier batch of the user loads)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'batchport_job_duration_seconds',
      help: 'Job processing time',
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    rowsLoaded: new Counter({
      name: 'batchport_rows_loaded_total',
      help: 'Contact records written to the records store',
      registers: [registry],
    }),
    invalidRows: new Counter({
      name: 'batchport_invalid_rows_total',
      help: 'Rows that could not become contacts',
      registers: [registry],
    }),
    sweeperActions: new Counter({
      name: 'batchport_sweeper_actions_total',
      help: 'Sweeper actions (requeued, orphan_removed, cleanup_finished, temp_removed, reading_released)',
      labelNames: ['action'] as const,
      registers: [registry],
    }),
    dependencyErrors: new Counter({
      name: 'batchport_dependency_errors_total',
      help: 'Requests answered 503 because a dependency was down',
      registers: [registry],
    }),
    eventPublishFailures: new Counter({
      name: 'batchport_event_publish_failures_total',
      help: 'Batch events not published to Redis (the change itself was kept)',
      registers: [registry],
    }),
    eventStreams: new Gauge({
      name: 'batchport_event_streams_open',
      help: 'Open GET /api/batches/events streams in this process',
      registers: [registry],
    }),
    foreignStoreJobs: new Counter({
      name: 'batchport_foreign_store_jobs_total',
      help: "Jobs left for another worker because the batch's file is in a store this worker lacks",
      registers: [registry],
    }),
    /** The same, over the last FOREIGN_STORE_RECENT_MS (shown in the ops /readyz details). */
    foreignStoreRecent: createRecentEvents(FOREIGN_STORE_RECENT_MS),
    webhookDeliveries: new Counter({
      name: 'batchport_webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome (delivered, retrying, failed, disabled)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    webhookAttemptDuration: new Histogram({
      name: 'batchport_webhook_attempt_duration_seconds',
      help: 'Time of one webhook attempt, from connecting to the answer (or the timeout)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [registry],
    }),
    webhookPending: new Gauge({
      name: 'batchport_webhook_pending_deliveries',
      help: 'Webhook deliveries not yet delivered nor failed, to enabled endpoints (sampled by the deliverer)',
      registers: [registry],
    }),
    webhookOldestPendingAge: new Gauge({
      name: 'batchport_webhook_oldest_pending_age_seconds',
      help: 'Age of the oldest pending webhook delivery (sampled by the deliverer; 0 when none)',
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'batchport_queue_jobs',
      help: 'Jobs in the queue by state (sampled by the sweeper)',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
  };
}
