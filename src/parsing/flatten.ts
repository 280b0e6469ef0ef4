/** The rows of `batches` one by one (for callers that take a row at a time, e.g. the preview). */
export async function* flatten<T>(batches: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const batch of batches) {
    yield* batch;
  }
}
