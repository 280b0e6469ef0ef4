import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export type ReadinessCheck = () => Promise<void>;

const CHECK_TIMEOUT_MS = 2_000;

/** Resolves to null when the check passes, else to the reason (logged, never sent to clients). */
async function runCheck(check: ReadinessCheck): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return null;
  } catch (error) {
    return (error as Error).message.split('\n')[0]?.slice(0, 300) ?? 'unavailable';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Operational routes, unauthenticated (meant for the orchestrator and Prometheus on the internal
 * network): /healthz (alive), /readyz (every configured dependency answers), /metrics.
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  checks: Record<string, ReadinessCheck>,
  registry: Registry,
): void {
  app.get('/metrics', { schema: { tags: ['health'] } }, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
  app.get('/healthz', { schema: { tags: ['health'] } }, () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { tags: ['health'] } }, async (request, reply) => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((name) => runCheck(checks[name]!)));
    // Only up/down is public: driver messages name hosts and ports, so they go to the log.
    const report = Object.fromEntries(names.map((name, i) => [name, results[i] === null ? 'up' : 'down']));
    const down = names.filter((name) => report[name] !== 'up');
    for (const name of down) {
      request.log.warn({ dependency: name, reason: results[names.indexOf(name)] }, 'readiness check failed');
    }
    if (down.length === 0) {
      return { status: 'ready', checks: report };
    }
    return reply.status(503).send({
      status: 'unavailable',
      checks: report,
      error: { code: 'dependency_unavailable', message: `not ready: ${down.join(', ')} down` },
      requestId: request.id,
    });
  });
}
