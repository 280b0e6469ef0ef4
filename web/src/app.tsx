import { useEffect, useRef, useState } from 'preact/hooks';
import { Failed, Loading } from './components/States.js';
import { LiveIndicator, LiveProvider } from './live/LiveContext.js';
import { BatchDetail } from './pages/BatchDetail.js';
import { Batches } from './pages/Batches.js';
import { Recent } from './pages/Recent.js';
import { SignIn } from './pages/SignIn.js';
import { Stats } from './pages/Stats.js';
import { Upload } from './pages/Upload.js';
import { Webhooks } from './pages/Webhooks.js';
import { navigate, useRoute, type Route } from './router.js';
import { clearToken, readToken, saveToken } from './session.js';
import type { WebConfig } from './upload/uppy.js';
import { useLoad } from './useLoad.js';

const TITLES: Record<Route['page'], string> = {
  signin: 'Sign in',
  upload: 'Upload contact files',
  batches: 'Your batches',
  batch: 'Batch',
  stats: 'Stats',
  recent: 'Recent uploads',
  webhooks: 'Webhooks',
  notFound: 'Page not found',
};

const NAV: [string, string, Route['page'][]][] = [
  ['#/upload', 'Upload', ['upload']],
  ['#/batches', 'Batches', ['batches', 'batch']],
  ['#/recent', 'Recent', ['recent']],
  ['#/stats', 'Stats', ['stats']],
  ['#/webhooks', 'Webhooks', ['webhooks']],
];

async function loadConfig(): Promise<WebConfig> {
  const response = await fetch('/web-config.json');
  if (!response.ok) {
    throw new Error(`could not read the page settings: ${response.status}`);
  }
  return (await response.json()) as WebConfig;
}

function Page({ route, token }: { route: Route; token: string }) {
  const [config, retry] = useLoad(loadConfig, 'config');
  switch (route.page) {
    case 'signin':
    case 'upload':
      if (config.state === 'loading') {
        return <Loading what="the upload settings" />;
      }
      return config.state === 'failed' ? (
        <Failed message={config.message} retry={retry} />
      ) : (
        <Upload token={token} config={config.data} />
      );
    case 'batches':
      return <Batches token={token} status={route.status} pageNumber={route.pageNumber} />;
    case 'batch':
      return <BatchDetail key={route.id} token={token} id={route.id} />;
    case 'stats':
      return <Stats token={token} />;
    case 'recent':
      return <Recent token={token} />;
    case 'webhooks':
      return <Webhooks token={token} />;
    case 'notFound':
      return <Failed message={`There is no page at ${route.path}.`} />;
  }
}

function Header({ route, onSignOut }: { route: Route; onSignOut?: () => void }) {
  return (
    <header>
      <a class="brand" href="#/upload">
        Batchport
      </a>
      {onSignOut && (
        <nav aria-label="Main">
          <ul>
            {NAV.map(([href, label, pages]) => (
              <li key={href}>
                <a href={href} aria-current={pages.includes(route.page) ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
          <button type="button" class="link" onClick={onSignOut}>
            Sign out
          </button>
        </nav>
      )}
    </header>
  );
}

export function App() {
  const route = useRoute();
  const [token, setToken] = useState(readToken);
  const heading = useRef<HTMLHeadingElement>(null);
  const shown: Route = token === null ? { page: 'signin' } : route;
  // A new page moves focus to its heading, so keyboard and screen-reader users start there.
  useEffect(() => heading.current?.focus(), [shown.page, route]);
  useEffect(() => {
    document.title = `${TITLES[shown.page]} · Batchport`;
  }, [shown.page]);

  const signIn = (value: string) => {
    saveToken(value);
    setToken(value);
    if (route.page === 'signin') {
      navigate('#/upload');
    }
  };
  const signOut = () => {
    clearToken();
    setToken(null);
  };
  return (
    <>
      <Header route={shown} {...(token !== null && { onSignOut: signOut })} />
      <main>
        <h1 ref={heading} tabIndex={-1}>
          {TITLES[shown.page]}
        </h1>
        {token === null ? (
          <SignIn onSignedIn={signIn} />
        ) : (
          <LiveProvider token={token}>
            <LiveIndicator />
            <Page route={route} token={token} />
          </LiveProvider>
        )}
      </main>
    </>
  );
}
