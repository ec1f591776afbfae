/** `#/`: the caller's clusters with their status and progress, refreshed every 5 s (it can be turned off). */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiError } from './api';
import { progressText, time, useApi, useFocusOnOpen, usePoll, type Cluster } from './shared';

const REFRESH_MS = 5000;

export function ClusterList() {
  const client = useApi();
  const [clusters, setClusters] = useState<Cluster[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [auto, setAuto] = useState(true);
  const heading = useFocusOnOpen<HTMLHeadingElement>('clusters');
  const load = async () => {
    try {
      const { body } = await client.request<{ items: Cluster[] }>('GET', '/clusters?limit=100');
      setClusters(body.items);
      setError(undefined);
    } catch (failure) {
      setError(failure instanceof ApiError ? `Could not list clusters: ${failure.message}` : 'Could not reach the API.');
    }
  };
  usePoll(load, REFRESH_MS, auto);
  const counts = new Map<string, number>();
  for (const cluster of clusters ?? []) counts.set(cluster.status, (counts.get(cluster.status) ?? 0) + 1);
  // Announced when it changes, not on every refresh: the summary only changes when a status does.
  const summary = clusters === undefined ? 'Loading clusters…' : `${clusters.length} clusters${clusters.length ? `: ${[...counts].map(([status, n]) => `${n} ${status}`).join(', ')}` : ''}`;
  return html`
    <section aria-labelledby="clusters-heading">
      <h1 id="clusters-heading" tabindex="-1" ref=${heading}>Clusters</h1>
      <div class="toolbar">
        <a class="button" href="#/new">Create a cluster</a>
        <label><input type="checkbox" checked=${auto} onChange=${(e: Event) => setAuto((e.target as HTMLInputElement).checked)} /> Auto-refresh every 5 seconds</label>
        <button type="button" onClick=${() => void load()}>Refresh now</button>
      </div>
      <p role="status" id="clusters-summary">${summary}</p>
      ${error && html`<p role="alert" class="error">${error}</p>`}
      <table>
        <caption>Your clusters</caption>
        <thead>
          <tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Managers</th><th scope="col">Workers</th><th scope="col">Region</th><th scope="col">Requested</th></tr>
        </thead>
        <tbody>
          ${(clusters ?? []).map(
            (cluster) => html`
              <tr key=${cluster.id}>
                <th scope="row"><a href=${`#/clusters/${cluster.id}`}>${cluster.name}</a></th>
                <td><span class=${`status status-${cluster.status}`}>${cluster.status}</span></td>
                <td>${progressText(cluster.progress)}</td>
                <td>${String(cluster.parameters.managers ?? '')}</td>
                <td>${String(cluster.parameters.workers ?? '')}</td>
                <td>${cluster.region}</td>
                <td>${time(cluster.requestedAt)}</td>
              </tr>
            `,
          )}
        </tbody>
      </table>
      ${clusters?.length === 0 && html`<p>No clusters yet.</p>`}
    </section>
  `;
}
