/**
 * Preload (`node --import tsx --import ./test/support/slowAppBuild.ts …`) that holds the event loop
 * for SLOW_APP_BUILD_MS each time a Fastify app is created. Under CPU contention, building the apps
 * (plugin registration, schema compilation) held it for 2–5 s, past the producer connection's 2 s
 * command timeout; this makes that condition happen on every run instead of on a busy machine.
 */
import diagnostics from 'node:diagnostics_channel';

const stallMs = Number(process.env['SLOW_APP_BUILD_MS'] ?? '0');

diagnostics.subscribe('fastify.initialization', () => {
  const until = Date.now() + stallMs;
  while (Date.now() < until) {
    // busy: nothing else in this process may run meanwhile, exactly like synchronous work
  }
});
