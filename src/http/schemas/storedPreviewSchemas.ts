import { ReprocessBody } from './reprocessSchemas.js';

/**
 * The body of POST /api/batches/{id}/preview (issue #21): the body of /reprocess, so the page
 * previews with exactly what it then confirms. The answer is the upload preview's PreviewResponse.
 */
export const StoredPreviewBody = ReprocessBody;
