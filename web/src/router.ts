import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routing (`#/batches/…`): the server answers only `/` and the built files, so it never
 * has to guess which paths are the page's and cannot shadow /api, /docs or /healthz.
 */
export type Route =
  | { page: 'signin' }
  | { page: 'upload' }
  | { page: 'batches'; status: string; pageNumber: number }
  | { page: 'batch'; id: string }
  | { page: 'stats' }
  | { page: 'recent' }
  | { page: 'webhooks' }
  | { page: 'notFound'; path: string };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean);
  switch (parts[0]) {
    case undefined:
    case 'upload':
      return { page: 'upload' };
    case 'signin':
      return { page: 'signin' };
    case 'stats':
      return { page: 'stats' };
    case 'recent':
      return { page: 'recent' };
    case 'webhooks':
      return { page: 'webhooks' };
    case 'batches':
      if (parts[1] !== undefined) {
        return { page: 'batch', id: decodeURIComponent(parts[1]) };
      }
      return {
        page: 'batches',
        status: params.get('status') ?? '',
        pageNumber: Math.max(1, Number(params.get('page')) || 1),
      };
    default:
      return { page: 'notFound', path };
  }
}

export function batchesHref(status: string, pageNumber: number): string {
  const params = new URLSearchParams();
  if (status !== '') {
    params.set('status', status);
  }
  if (pageNumber > 1) {
    params.set('page', String(pageNumber));
  }
  const query = params.toString();
  return query === '' ? '#/batches' : `#/batches?${query}`;
}

export function navigate(hash: string): void {
  window.location.hash = hash;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
