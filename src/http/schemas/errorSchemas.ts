import { Type, type Static } from '@sinclair/typebox';

/** The one JSON error shape of every route: `{ error: { code, message, details? }, requestId }`. */
export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
  }),
  requestId: Type.String(),
});
export type ErrorResponse = Static<typeof ErrorResponse>;

/** Builds an error body; every place that answers with an error goes through here. */
export function errorBody(
  requestId: string,
  code: string,
  message: string,
  details?: unknown,
): ErrorResponse {
  return {
    error: { code, message, ...(details !== undefined && { details }) },
    requestId,
  };
}

/** Error answers every authenticated /api route can give. */
export const API_ERRORS = {
  400: ErrorResponse,
  401: ErrorResponse,
  404: ErrorResponse,
  429: ErrorResponse,
  500: ErrorResponse,
  503: ErrorResponse,
};
