import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { SavedMapping } from '../../repositories/savedMappingRepository.js';
import type { SavedMappingService } from '../../services/savedMappingService.js';
import { SAVED_MAPPINGS_PER_USER } from '../../services/savedMappingService.js';
import { currentUser } from '../plugins/authentication.js';
import { API_ERRORS } from '../schemas/errorSchemas.js';
import {
  MAPPINGS_DEFAULT_LIMIT,
  MappingIdParams,
  MappingsQuery,
  SavedMappingList,
} from '../schemas/mappingSchemas.js';

export interface MappingsControllerOptions {
  savedMappingService: Pick<SavedMappingService, 'list' | 'remove'>;
}

function savedMappingView(m: SavedMapping) {
  return {
    id: m.id,
    headers: Object.keys(m.mapping),
    mapping: m.mapping,
    createdAt: m.createdAt.toISOString(),
    lastUsedAt: m.lastUsedAt.toISOString(),
  };
}

/** /api/mappings: the caller's remembered mappings (issue #21). Thin handlers. */
// eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async by contract
export const mappingsController: FastifyPluginAsyncTypebox<MappingsControllerOptions> = async (app, opts) => {
  const mappings = opts.savedMappingService;
  // '' names the path /api/mappings exactly (no trailing-slash twin in the document).
  app.get(
    '',
    {
      schema: {
        operationId: 'listSavedMappings',
        summary: 'List your remembered mappings, newest first',
        description:
          'A mapping sent with an upload (unless rememberMapping=false) or a preview with ' +
          'rememberMapping=true is remembered under its header row; a later upload or preview ' +
          `whose header row matches is read with it (mappingSource "saved"). At most ` +
          `${SAVED_MAPPINGS_PER_USER} per user: saving another removes the least recently used.`,
        tags: ['mappings'],
        querystring: MappingsQuery,
        response: { 200: SavedMappingList, ...API_ERRORS },
      },
    },
    async (request) => {
      const { cursor, limit = MAPPINGS_DEFAULT_LIMIT } = request.query;
      const page = await mappings.list(currentUser(request).id, limit, cursor);
      return { mappings: page.mappings.map(savedMappingView), nextCursor: page.nextCursor };
    },
  );
  app.delete(
    '/:id',
    {
      schema: {
        operationId: 'deleteSavedMapping',
        summary: 'Forget a remembered mapping (later files with its headers are read by the synonyms)',
        tags: ['mappings'],
        params: MappingIdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...API_ERRORS },
      },
    },
    async (request, reply) => {
      await mappings.remove(currentUser(request).id, request.params.id);
      return reply.status(204).send(null);
    },
  );
};
