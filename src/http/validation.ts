import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';

/**
 * Request validation with two Ajv instances. Query strings, path parameters and headers arrive as
 * text, so their values are coerced to the declared types (`?page=2` is the integer 2). A JSON
 * body already carries its types: coercing it accepted `{"country": false}` as the text "false"
 * for a string field (the contract fuzzer's ST201), so bodies are checked exactly as declared.
 */
const COMMON = { removeAdditional: false, useDefaults: true, allErrors: false } as const;

/** What a compiler built by @fastify/ajv-compiler takes: Fastify's route schema definition. */
type RouteDefinition = Parameters<ReturnType<ReturnType<typeof AjvCompiler>>>[0];

export function requestValidatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const build = AjvCompiler();
  const coercing = build({}, { customOptions: { ...COMMON, coerceTypes: true } });
  const exact = build({}, { customOptions: { ...COMMON, coerceTypes: false } });
  return (route) => {
    const definition = route as RouteDefinition;
    return route.httpPart === 'body' ? exact(definition) : coercing(definition);
  };
}
