import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
import { errorBody, ErrorResponse } from '../schemas/errorSchemas.js';

export type ReadinessCheck = () => Promise<void>;

export interface HealthRoutesOptions {
  readiness: Record<string, ReadinessCheck>;
  registry: Registry;
}

const CHECK_TIMEOUT_MS = 2_000;

const Checks = Type.Record(Type.String(), Type.Union([Type.Literal('up'), Type.Literal('down')]), {
  description: 'Each configured dependency, up or down',
});
const ReadyResponse = Type.Object({ status: Type.Literal('ready'), checks: Checks });
const NotReadyResponse = Type.Composite([
  Type.Object({ status: Type.Literal('unavailable'), checks: Checks }),
  ErrorResponse,
]);

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
 * network): /healthz (alive), /readyz (every configured dependency answers), /metrics. Used by
 * the API app and by the worker's ops server alike.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, opts) => {
  const { readiness, registry } = opts;
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (text exposition format)',
        tags: ['health'],
        security: [],
        produces: ['text/plain'],
        response: { 200: Type.String() },
      },
    },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );

  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: the process answers',
        tags: ['health'],
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: every configured dependency answers',
        tags: ['health'],
        security: [],
        response: { 200: ReadyResponse, 503: NotReadyResponse },
      },
    },
    async (request, reply) => {
      const names = Object.keys(readiness);
      const results = await Promise.all(names.map((name) => runCheck(readiness[name]!)));
      // Only up/down is public: driver messages name hosts and ports, so they go to the log.
      const checks = Object.fromEntries(
        names.map((name, i) => [name, results[i] === null ? ('up' as const) : ('down' as const)]),
      );
      const down = names.filter((name) => checks[name] !== 'up');
      for (const name of down) {
        request.log.warn(
          { dependency: name, reason: results[names.indexOf(name)] },
          'readiness check failed',
        );
      }
      if (down.length === 0) {
        return { status: 'ready' as const, checks };
      }
      return reply.status(503).send({
        status: 'unavailable' as const,
        checks,
        ...errorBody(request.id, 'dependency_unavailable', `not ready: ${down.join(', ')} down`),
      });
    },
  );
};
