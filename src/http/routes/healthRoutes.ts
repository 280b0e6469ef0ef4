import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorBody, ErrorResponse } from '../schemas/errorSchemas.js';

export type ReadinessCheck = () => Promise<void>;

export interface HealthRoutesOptions {
  readiness: Record<string, ReadinessCheck>;
  /** Counters an operator should see next to the checks (the worker's ops listener only). */
  details?: () => Record<string, number>;
}

const CHECK_TIMEOUT_MS = 2_000;

const Checks = Type.Record(Type.String(), Type.Union([Type.Literal('up'), Type.Literal('down')]), {
  description: 'Each configured dependency, up or down',
});
const Details = Type.Optional(
  Type.Record(Type.String(), Type.Integer(), {
    description:
      'Ops listener of a worker only: e.g. foreignStoreJobs, jobs left in the last 15 min for a worker with the batch’s store',
  }),
);
const ReadyResponse = Type.Object({ status: Type.Literal('ready'), checks: Checks, details: Details });
const NotReadyResponse = Type.Composite([
  Type.Object({ status: Type.Literal('unavailable'), checks: Checks, details: Details }),
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
 * Probes, unauthenticated (meant for the orchestrator): /healthz (alive), /readyz (every
 * configured dependency answers, up/down only). Used by the API app and the ops server alike;
 * /metrics lives on the ops server only (src/http/opsApp.ts).
 */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, opts) => {
  const { readiness } = opts;
  const details = () => (opts.details ? { details: opts.details() } : {});

  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'getHealthz',
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
        operationId: 'getReadyz',
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
        return { status: 'ready' as const, checks, ...details() };
      }
      return reply.status(503).send({
        status: 'unavailable' as const,
        checks,
        ...details(),
        ...errorBody(request.id, 'dependency_unavailable', `not ready: ${down.join(', ')} down`),
      });
    },
  );
};
