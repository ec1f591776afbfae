/**
 * The console's shell: sign in with an API key (kept in sessionStorage, so it goes with the tab), the banner, and the
 * hash routes: `#/` the clusters, `#/new` the create form, `#/clusters/{id}` one cluster. docs/console.md lists the
 * landmarks and labels a script can drive it by.
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, apiBase, ApiError } from './api';
import { ClusterView } from './cluster';
import { ClusterList } from './clusters';
import { CreateCluster } from './create';
import { ApiContext, useFocusOnOpen } from './shared';

const KEY_STORAGE = 'swarm-provisioner.console.apiKey';
const base = apiBase(location.pathname);

function useHashRoute(): string {
  const [route, setRoute] = useState(location.hash.slice(1) || '/');
  useEffect(() => {
    const changed = () => setRoute(location.hash.slice(1) || '/');
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

function SignIn({ onSignedIn }: { onSignedIn: (key: string) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  // The open local sandbox (npm start without LOCAL_API_KEY) answers without credentials: offer to go on without a key.
  const [open, setOpen] = useState(false);
  const heading = useFocusOnOpen<HTMLHeadingElement>('sign-in');
  useEffect(() => {
    api(base, undefined)
      .request('GET', '/clusters?limit=1')
      .then(() => setOpen(true), () => setOpen(false));
  }, []);
  const signIn = async (value: string) => {
    setBusy(true);
    setError(undefined);
    try {
      // Any authenticated read proves the key: the API-key authorizer refuses a wrong, revoked or expired key with 401.
      await api(base, value || undefined).request('GET', '/clusters?limit=1');
      onSignedIn(value);
    } catch (failure) {
      setError(failure instanceof ApiError && failure.status === 401 ? 'The API refused this key (401): check it and try again.' : `Could not sign in: ${(failure as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: Event) => {
    event.preventDefault();
    void signIn(key.trim());
  };
  return html`
    <section aria-labelledby="sign-in-heading">
      <h1 id="sign-in-heading" tabindex="-1" ref=${heading}>Sign in</h1>
      <form onSubmit=${submit} aria-describedby="sign-in-help">
        <p id="sign-in-help">Sign in with an API key (spk_…; <code>npm run keys</code> makes one). It is kept in this tab only.</p>
        <label for="api-key">API key</label>
        <input id="api-key" type="password" autocomplete="off" value=${key} onInput=${(e: Event) => setKey((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled=${busy}>Sign in</button>
        ${error && html`<p role="alert" class="error">${error}</p>`}
      </form>
      ${open &&
      html`<p>This is the open local sandbox: it takes requests without a key. <button type="button" onClick=${() => void signIn('')} disabled=${busy}>Continue without a key</button></p>`}
    </section>
  `;
}

export function App() {
  const [key, setKey] = useState<string | undefined>(() => sessionStorage.getItem(KEY_STORAGE) ?? undefined);
  const route = useHashRoute();
  const signIn = (value: string) => {
    sessionStorage.setItem(KEY_STORAGE, value);
    setKey(value);
  };
  const signOut = () => {
    sessionStorage.removeItem(KEY_STORAGE);
    setKey(undefined);
  };
  // '' is the open local sandbox's "no key".
  const client = key !== undefined ? api(base, key || undefined) : undefined;
  const clusterId = /^\/clusters\/([^/]+)$/.exec(route)?.[1];
  let view;
  if (!client) view = html`<${SignIn} onSignedIn=${signIn} />`;
  else if (route === '/new') view = html`<${CreateCluster} />`;
  else if (clusterId) view = html`<${ClusterView} id=${decodeURIComponent(clusterId)} key=${clusterId} />`;
  else view = html`<${ClusterList} />`;
  return html`
    <header>
      <p class="brand"><a href="#/">swarm-provisioner</a></p>
      <nav aria-label="Console">
        <ul>
          <li><a href="#/" aria-current=${route === '/' ? 'page' : undefined}>Clusters</a></li>
          <li><a href="#/new" aria-current=${route === '/new' ? 'page' : undefined}>Create a cluster</a></li>
        </ul>
      </nav>
      ${client && html`<button type="button" onClick=${signOut}>Sign out</button>`}
    </header>
    <main id="main">
      <${ApiContext.Provider} value=${client}>${view}<//>
    </main>
  `;
}
