import closeWithGrace from 'close-with-grace';
import { apiAppOptions, readinessChecks } from '../apiServer.js';
import { buildComponents, type Components } from '../composition.js';
import { buildOpsApp } from '../http/opsApp.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { createLogger, logFormat } from '../observability/logger.js';
import { startWorker } from '../worker/startWorker.js';
import { buildWorkerComponents, workerOptions, type WorkerComponents } from '../workerComposition.js';

export type Role = 'api' | 'worker' | 'all';

/**
 * Entry point shared by `npm run api`, `npm run worker` and `npm start` (both roles in one
 * process). Configured only by the environment; SIGTERM/SIGINT shut down gracefully.
 */
export async function run(role: Role): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, role, logFormat(config.logFormat, process.stdout.isTTY));
  // Each role builds what it runs: the worker neither the API's services nor its event hub.
  let components: WorkerComponents;
  let api: Components | undefined;
  try {
    if (role === 'worker') {
      components = await buildWorkerComponents(config, logger);
    } else {
      api = await buildComponents(config, logger, role);
      components = api;
    }
  } catch (error) {
    logger.fatal((error as Error).message);
    process.exit(69); // EX_UNAVAILABLE
  }

  const opsApp = await buildOpsApp({
    logger,
    metrics: components.metrics,
    readiness: readinessChecks(components),
  });
  // Imported only by the roles that serve it: the API's routes, schemas and plugins are not
  // part of a worker's memory.
  const app = api ? await (await import('../http/app.js')).buildApp(apiAppOptions(api)) : undefined;
  const worker = role === 'api' ? undefined : startWorker(workerOptions(components));
  if (app) {
    // The ops listener first: the "API listening" line means everything is up.
    const opsAddress = await opsApp.listen({ host: config.ops.host, port: config.ops.port });
    logger.info({ opsAddress }, 'API metrics listening');
    const address = await app.listen({ host: config.http.host, port: config.http.port });
    logger.info({ address }, 'API listening');
  } else {
    const address = await opsApp.listen({ host: config.http.host, port: config.worker.httpPort });
    logger.info({ address }, 'worker probes and metrics listening');
  }

  closeWithGrace({ delay: 30_000 }, async ({ signal, err }) => {
    if (err) {
      logger.error({ err }, 'shutting down after an error');
    } else {
      logger.info({ signal }, 'shutting down');
    }
    // Stop accepting and finish in-flight requests, then hand back or finish jobs, then pools.
    await app?.close();
    await worker?.close(25_000);
    await opsApp.close();
    await components.close();
  });
}
