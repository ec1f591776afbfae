/**
 * `#/clusters/{id}`: one cluster, polled (every 2 s while it changes, 10 s once settled): its status and progress
 * (announced, and a <progress> bar), nodes by availability zone, outputs (the DNS target with a copy button), the
 * timeline, the webhook deliveries with redeliver, and delete behind a dialog that asks for the name.
 */
import { html } from 'htm/preact';
import { useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import { progressText, SETTLED, time, useApi, useFocusOnOpen, usePoll, type Cluster, type ClusterNode } from './shared';

interface TimelineEvent {
  at: string;
  type: string;
  message: string;
}

interface Delivery {
  id: string;
  event: string;
  status: string;
  statusReason: string;
  round: number;
  attempts: unknown[];
  updatedAt: string;
}

function Nodes({ nodes }: { nodes: ClusterNode[] | undefined }) {
  if (nodes === undefined) return html`<p>Loading nodes…</p>`;
  if (nodes.length === 0) return html`<p>No nodes yet.</p>`;
  const zones = [...new Set(nodes.map((node) => node.availabilityZone))].sort();
  return html`${zones.map((zone) => {
    const inZone = nodes.filter((node) => node.availabilityZone === zone);
    return html`
      <table key=${zone}>
        <caption>${zone}: ${inZone.length} ${inZone.length === 1 ? 'node' : 'nodes'}</caption>
        <thead><tr><th scope="col">Instance</th><th scope="col">Role</th><th scope="col">State</th><th scope="col">Type</th><th scope="col">Private IP</th></tr></thead>
        <tbody>
          ${inZone.map((node) => html`<tr key=${node.instanceId}><th scope="row">${node.instanceId}</th><td>${node.role}</td><td>${node.state}</td><td>${node.instanceType ?? ''}</td><td>${node.privateIp ?? ''}</td></tr>`)}
        </tbody>
      </table>
    `;
  })}`;
}

function Outputs({ outputs }: { outputs: Record<string, string> }) {
  const [copied, setCopied] = useState('');
  const dns = outputs.DefaultDNSTarget;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(dns!);
      setCopied(`Copied ${dns} to the clipboard.`);
    } catch {
      setCopied('Could not copy: select the DNS target and copy it by hand.');
    }
  };
  const entries = Object.entries(outputs);
  if (entries.length === 0) return html`<p>No outputs yet: they appear once the stack is created.</p>`;
  return html`
    <dl>
      ${entries.map(([name, value]) => html`<div key=${name}><dt>${name}</dt><dd><code id=${name === 'DefaultDNSTarget' ? 'dns-target' : undefined}>${value}</code></dd></div>`)}
    </dl>
    ${dns && html`<button type="button" onClick=${copy} aria-describedby="dns-target">Copy DNS target</button>`}
    <p role="status">${copied}</p>
  `;
}

function DeleteDialog({ cluster, onDeleted }: { cluster: Cluster; onDeleted: () => void }) {
  const client = useApi();
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const open = () => {
    setTyped('');
    setError(undefined);
    deleted.current = false;
    // A modal <dialog> keeps the focus inside it and closes on Escape; its first field takes the focus.
    dialog.current?.showModal();
  };
  const deleted = useRef(false);
  const close = () => dialog.current?.close();
  // Closed (Cancel, Escape, or after the delete): the focus goes back where it came from, or, once the delete is
  // accepted (its button is disabled from then on), wherever onDeleted puts it.
  const closed = () => {
    if (deleted.current) onDeleted();
    else opener.current?.focus();
  };
  const confirm = async (event: Event) => {
    event.preventDefault();
    if (typed !== cluster.name) return;
    setBusy(true);
    try {
      await client.request('DELETE', `/clusters/${cluster.id}`);
      deleted.current = true;
      dialog.current?.close();
    } catch (failure) {
      setError(failure instanceof ApiError ? `The API refused the delete (${failure.status}): ${failure.message}` : 'Could not reach the API.');
    } finally {
      setBusy(false);
    }
  };
  const gone = cluster.status === 'DELETED' || cluster.status === 'DELETING';
  return html`
    <button type="button" id="delete-open" class="danger" ref=${opener} onClick=${open} disabled=${gone}>Delete cluster…</button>
    <dialog ref=${dialog} aria-labelledby="delete-heading" aria-describedby="delete-help" onClose=${closed}>
      <form onSubmit=${confirm}>
        <h2 id="delete-heading">Delete ${cluster.name}?</h2>
        <p id="delete-help">This deletes its stack, every node and its data. It cannot be undone. Type the cluster's name, <strong>${cluster.name}</strong>, to confirm.</p>
        <label for="confirm-name">Cluster name to delete</label>
        <input id="confirm-name" type="text" autocomplete="off" autofocus value=${typed} onInput=${(e: Event) => setTyped((e.target as HTMLInputElement).value)} />
        ${error && html`<p role="alert" class="error">${error}</p>`}
        <div class="toolbar">
          <button type="submit" class="danger" disabled=${typed !== cluster.name || busy}>Delete this cluster</button>
          <button type="button" onClick=${close}>Cancel</button>
        </div>
      </form>
    </dialog>
  `;
}

export function ClusterView({ id }: { id: string }) {
  const client = useApi();
  const [cluster, setCluster] = useState<Cluster | undefined>();
  const [nodes, setNodes] = useState<ClusterNode[] | undefined>();
  const [events, setEvents] = useState<TimelineEvent[]>([]);
  const [deliveries, setDeliveries] = useState<Delivery[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState('');
  const heading = useFocusOnOpen<HTMLHeadingElement>(id);
  const secret = sessionStorage.getItem(`swarm-provisioner.console.webhookSecret.${id}`);

  const load = async () => {
    try {
      const [one, nodeList, timeline, sent] = await Promise.all([
        client.request<Cluster>('GET', `/clusters/${id}`),
        client.request<{ items: ClusterNode[] }>('GET', `/clusters/${id}/nodes`),
        client.request<{ items: TimelineEvent[] }>('GET', `/clusters/${id}/events`),
        client.request<{ items: Delivery[] }>('GET', `/clusters/${id}/deliveries`).catch(() => ({ body: { items: [] as Delivery[] } })),
      ]);
      setCluster(one.body);
      setNodes(nodeList.body.items);
      setEvents(timeline.body.items);
      setDeliveries(sent.body.items);
      setError(undefined);
    } catch (failure) {
      setError(failure instanceof ApiError && failure.status === 404 ? 'No such cluster (or it is not yours).' : `Could not read the cluster: ${(failure as Error).message}`);
    }
  };
  const settled = cluster !== undefined && SETTLED.includes(cluster.status);
  usePoll(load, settled ? 10_000 : 2000, true, settled);

  const redeliver = async (delivery: Delivery) => {
    try {
      await client.request('POST', `/clusters/${id}/deliveries/${delivery.id}/redeliver`);
      setNotice(`Redelivery of ${delivery.event} requested.`);
      await load();
    } catch (failure) {
      setNotice(`Redelivery refused: ${(failure as Error).message}`);
    }
  };

  if (!cluster) {
    return html`<section aria-labelledby="cluster-heading"><h1 id="cluster-heading" tabindex="-1" ref=${heading}>Cluster ${id}</h1>${error ? html`<p role="alert" class="error">${error}</p>` : html`<p>Loading…</p>`}</section>`;
  }
  const progress = cluster.progress;
  return html`
    <section aria-labelledby="cluster-heading">
      <h1 id="cluster-heading" tabindex="-1" ref=${heading}>${cluster.name}</h1>
      <p class="muted">${cluster.id} · ${cluster.region} · requested ${time(cluster.requestedAt)}</p>
      ${error && html`<p role="alert" class="error">${error}</p>`}
      ${secret && html`<p class="notice">Webhook signing secret (shown in this tab only): <code>${secret}</code></p>`}
      <div role="status" aria-live="polite" aria-atomic="true" id="cluster-status">
        <p>Status: <strong class=${`status status-${cluster.status}`}>${cluster.status}</strong>${cluster.statusReason ? ` — ${cluster.statusReason}` : ''}</p>
      </div>
      <div class="progress">
        <label for="cluster-progress">Progress</label>
        <progress id="cluster-progress" aria-describedby="cluster-progress-text" max=${progress?.resourcesTotal || undefined} value=${progress ? progress.resourcesDone : undefined}></progress>
        <span id="cluster-progress-text">${progressText(progress)}${progress && progress.inProgress.length > 0 ? `; working on ${progress.inProgress.join(', ')}` : ''}</span>
      </div>
      <div class="toolbar">
        <${DeleteDialog}
          cluster=${cluster}
          onDeleted=${() => {
            // The delete button is disabled from now on: the focus goes to the page's heading, above the status.
            heading.current?.focus();
            void load();
          }}
        />
      </div>

      <section aria-labelledby="nodes-heading">
        <h2 id="nodes-heading">Nodes</h2>
        <${Nodes} nodes=${nodes} />
      </section>
      <section aria-labelledby="outputs-heading">
        <h2 id="outputs-heading">Outputs</h2>
        <${Outputs} outputs=${cluster.outputs ?? {}} />
      </section>
      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        ${events.length === 0 ? html`<p>No events yet.</p>` : html`<ol class="timeline">${events.map((event, i) => html`<li key=${i}><time datetime=${event.at}>${time(event.at)}</time> <strong>${event.type}</strong> ${event.message}</li>`)}</ol>`}
      </section>
      <section aria-labelledby="deliveries-heading">
        <h2 id="deliveries-heading">Webhook deliveries</h2>
        ${cluster.webhook ? html`<p>To ${cluster.webhook.url}</p>` : html`<p>This cluster has no webhook.</p>`}
        ${deliveries.length > 0 &&
        html`<table>
          <caption>Deliveries</caption>
          <thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Round</th><th scope="col">Attempts</th><th scope="col">Updated</th><th scope="col">Action</th></tr></thead>
          <tbody>
            ${deliveries.map(
              (delivery) => html`<tr key=${delivery.id}>
                <th scope="row">${delivery.event}</th><td>${delivery.status}${delivery.statusReason ? ` — ${delivery.statusReason}` : ''}</td><td>${delivery.round}</td><td>${delivery.attempts.length}</td><td>${time(delivery.updatedAt)}</td>
                <td><button type="button" onClick=${() => void redeliver(delivery)} aria-label=${`Redeliver ${delivery.event} (${delivery.id})`}>Redeliver</button></td>
              </tr>`,
            )}
          </tbody>
        </table>`}
        <p role="status">${notice}</p>
      </section>
    </section>
  `;
}
