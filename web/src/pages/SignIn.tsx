import { useEffect, useState } from 'preact/hooks';
import { client, failure, ok } from '../api.js';

interface Props {
  onSignedIn: (token: string) => void;
}

/** Checks a token by asking for the caller's stats: the API's answer says what is wrong, if anything. */
async function check(token: string): Promise<void> {
  await ok(client(token).GET('/api/batches/stats'));
}

/**
 * The dev token route exists only with the development secret. The page's settings say whether
 * it does, so finding out costs no failing request (probing the route itself left a 400 in the
 * console on every load).
 */
async function devSignInAvailable(): Promise<boolean> {
  const response = await fetch('/web-config.json');
  return response.ok && ((await response.json()) as { devSignIn?: boolean }).devSignIn === true;
}

async function devToken(email: string): Promise<string> {
  const response = await fetch('/api/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  if (!response.ok) {
    throw await failure(response);
  }
  return ((await response.json()) as { token: string }).token;
}

function PasteToken({ onSignedIn }: Props) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await check(token.trim());
      onSignedIn(token.trim());
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} class="card">
      <h2>Paste a token</h2>
      <label for="token">Access token (JWT)</label>
      <textarea id="token" rows={4} required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
      <p class="hint">Kept in this tab only, until you close it or sign out.</p>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy || token.trim() === ''}>
        Sign in
      </button>
    </form>
  );
}

function DevSignIn({ onSignedIn }: Props) {
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      onSignedIn(await devToken(email));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} class="card" aria-labelledby="dev-title">
      <h2 id="dev-title">Sign in as (development only)</h2>
      <label for="dev-email">Email</label>
      <input
        id="dev-email"
        type="email"
        required
        value={email}
        onInput={(e) => setEmail(e.currentTarget.value)}
      />
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <button type="submit">Sign in as this user</button>
    </form>
  );
}

export function SignIn({ onSignedIn }: Props) {
  const [dev, setDev] = useState(false);
  useEffect(() => {
    devSignInAvailable().then(setDev, () => setDev(false));
  }, []);
  return (
    <div class="signin">
      <PasteToken onSignedIn={onSignedIn} />
      {dev && <DevSignIn onSignedIn={onSignedIn} />}
    </div>
  );
}
