/**
 * Changing a running cluster on the local cloud, over HTTP: PATCH (scale in, scale out, a new instance type),
 * hibernate and wake, an injected update failure, and a second change while one runs. The update workflow's ASL runs
 * on the in-process Step Functions endpoint; the simulated cloud's UpdateStack rolls the groups by the template's
 * UpdatePolicy and retires each node through the swarm-leave lifecycle hook (drain, leave, then shut down:
 * sandbox/cloud/README.md, "Retiring an instance"). Every wait has a deadline.
 */
import { startLocalCloud, type LocalCloud } from '../../sandbox/local-cloud';
import { callJson } from '../support/local-api';
import { eventually } from '../support/webhook-receiver';

let cloud: LocalCloud;

beforeAll(async () => {
  cloud = await startLocalCloud({ timeScale: 0.1 });
});

afterAll(async () => {
  await cloud.stepFunctions.idle();
  await cloud.close();
});

type Node = { instanceId: string; role: string; availabilityZone: string; state: string; instanceType?: string };

const api = (method: string, path: string, body?: unknown) => callJson(cloud.url, method, path, body);

const SETTLED = ['READY', 'HIBERNATED', 'UPDATE_FAILED', 'FAILED'];
const settled = (id: string, deadlineMs = 60_000) => eventually(() => api('GET', `/clusters/${id}`), (r) => SETTLED.includes(r.body?.status), deadlineMs).then((r) => r.body!);
const nodesOf = async (id: string) => (await api('GET', `/clusters/${id}/nodes`)).body!.items as Node[];
const running = (nodes: Node[]) => nodes.filter((n) => n.state === 'running' || n.state === 'pending');
const count = (nodes: Node[], role: string) => running(nodes).filter((n) => n.role === role).length;
/** The whole timeline, every page. */
async function timeline(id: string): Promise<{ type: string; message: string }[]> {
  const events: { type: string; message: string }[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const body = (await api('GET', `/clusters/${id}/events?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body!;
    events.push(...(body.items as { type: string; message: string }[]));
    cursor = body.nextCursor as string | undefined;
    if (!cursor) break;
  }
  return events;
}
const activityOf = async (instanceId: string) =>
  ((await (await fetch(`${cloud.simulatedCloud!.endpoint}/_simulator/instances/${instanceId}/activity`)).json()) as { activity: { activity: string }[] }).activity.map((a) => a.activity);

describe('update lifecycle', () => {
  let id: string;

  beforeAll(async () => {
    const created = await api('POST', '/clusters', { name: 'changing', managers: 3, workers: 5 });
    id = created.body!.id as string;
    const ready = await settled(id);
    expect(ready.status).toBe('READY');
  }, 90_000);

  it('scales in 3+5 → 3+2 over three zones: UPDATING, then READY with the new parameters; the removed workers drained before they shut down', async () => {
    const before = await nodesOf(id);

    const patched = await api('PATCH', `/clusters/${id}`, { workers: 2 });
    const during = await api('GET', `/clusters/${id}`);
    const ready = await settled(id);
    const nodes = await eventually(() => nodesOf(id), (n) => count(n, 'worker') === 2 && count(n, 'manager') === 3, 20_000);

    expect(patched.status).toBe(202);
    expect(during.body!.status).toBe('UPDATING');
    expect(ready).toMatchObject({ status: 'READY', parameters: { managers: 3, workers: 2 }, lastUpdate: { operation: 'scale', outcome: 'updated' } });
    expect(new Set(running(nodes).map((n) => n.availabilityZone)).size).toBe(3);
    const removed = before.filter((n) => n.role === 'worker' && !running(nodes).some((m) => m.instanceId === n.instanceId));
    expect(removed).toHaveLength(3);
    for (const node of removed) {
      const activity = await activityOf(node.instanceId);
      // The swarm-leave hook: drained and left the swarm before EC2 shut the instance down.
      expect(activity.findIndex((a) => a.includes('draining'))).toBeGreaterThanOrEqual(0);
      expect(activity.findIndex((a) => a.includes('draining'))).toBeLessThan(activity.findIndex((a) => a.includes('left the swarm')));
      // CONTINUE ends the hook: only then does Auto Scaling terminate the instance.
      expect(activity.findIndex((a) => a.includes('left the swarm'))).toBeLessThan(activity.findIndex((a) => a.includes('swarm-leave: CONTINUE')));
    }
    // The cluster's own timeline tells the same story from Auto Scaling's events: draining, then terminated.
    const told = await eventually(
      () => timeline(id),
      (events) => removed.every((node) => events.some((e) => e.type === 'node.left' && e.message.includes(node.instanceId))),
      20_000,
    );
    for (const node of removed) {
      const drained = told.findIndex((e) => e.type === 'node.draining' && e.message.includes(node.instanceId));
      const left = told.findIndex((e) => e.type === 'node.left' && e.message.includes(node.instanceId));
      expect(told[drained]?.message).toMatch(new RegExp(`^node ${node.instanceId} \\(worker, us-east-1[abc]\\) is draining`));
      // Oldest first: the drain comes before the termination.
      expect(drained).toBeGreaterThanOrEqual(0);
      expect(drained).toBeLessThan(left);
    }
    const types = told.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['cluster.update_requested', 'stack.update_started', 'cluster.updated']));
  }, 90_000);

  it('a second change while one runs gets 409 naming the running one', async () => {
    const first = await api('PATCH', `/clusters/${id}`, { workers: 4 });
    const second = await api('PATCH', `/clusters/${id}`, { workers: 3 });
    const ready = await settled(id);
    const nodes = await eventually(() => nodesOf(id), (n) => count(n, 'worker') === 4, 20_000);

    expect(first.status).toBe(202);
    expect(second.status).toBe(409);
    expect(ready).toMatchObject({ status: 'READY', parameters: { workers: 4 } });
    expect(count(nodes, 'worker')).toBe(4);
  }, 90_000);

  it('an injected update failure rolls back: READY again with the previous parameters, the root cause and the failed node’s log', async () => {
    const cluster = (await api('GET', `/clusters/${id}`)).body!;
    const armed = await fetch(`${cloud.simulatedCloud!.endpoint}/_simulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stack: cluster.stackName, fault: 'update-fail' }),
    });

    const workers = cluster.parameters.workers as number;
    const patched = await api('PATCH', `/clusters/${id}`, { workers: workers + 2 });
    const after = await settled(id);

    expect(armed.status).toBeLessThan(300);
    expect(patched.status).toBe(202);
    expect(after).toMatchObject({ status: 'READY', parameters: { workers }, lastUpdate: { operation: 'scale', outcome: 'rolled_back' } });
    expect(after.statusReason).toMatch(/rolled back.*NodeAsg/);
    // The new node that signalled FAILURE: its console output's failed join is the cause, and GET shows where it came from.
    expect(after.lastUpdate.reason).toMatch(/; node log i-[0-9a-f]+: .*Timeout was reached before node joined/);
    const diagnostics = await api('GET', `/clusters/${id}/diagnostics`);
    expect(diagnostics.body).toMatchObject({ trigger: 'update-failed', cause: expect.stringContaining('Timeout was reached before node joined') });
    expect(JSON.stringify(diagnostics.body)).not.toMatch(/SWMTKN-1/);
    const events = await timeline(id);
    expect(events.map((e) => e.type)).toContain('cluster.update_failed');
    expect(events.filter((e) => e.type === 'diagnostics.collected').at(-1)?.message).toMatch(/Timeout was reached before node joined/);
  }, 90_000);

  it('a rollback that fails ends UPDATE_FAILED; the next change first continues that rollback, then applies', async () => {
    const cluster = (await api('GET', `/clusters/${id}`)).body!;
    for (const fault of ['update-fail', 'update-rollback-failed']) {
      const armed = await fetch(`${cloud.simulatedCloud!.endpoint}/_simulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stack: cluster.stackName, fault }),
      });
      expect(armed.status).toBeLessThan(300);
    }

    const workers = cluster.parameters.workers as number;
    await api('PATCH', `/clusters/${id}`, { workers: workers + 2 });
    const failed = await settled(id);
    const retried = await api('PATCH', `/clusters/${id}`, { workers: workers + 1 });
    // The update workflow retries UpdateStack every 10 s or more while the continued rollback runs.
    const after = await settled(id, 80_000);

    expect(failed).toMatchObject({ status: 'UPDATE_FAILED', lastUpdate: { outcome: 'failed' } });
    expect(failed.statusReason).toMatch(/UPDATE_ROLLBACK_FAILED.*; node log i-[0-9a-f]+: .*Timeout was reached before node joined/);
    expect(retried.status).toBe(202);
    expect(after).toMatchObject({ status: 'READY', parameters: { workers: workers + 1 }, lastUpdate: { operation: 'scale', outcome: 'updated' } });
    const messages = (await timeline(id)).map((e) => e.message);
    const continued = messages.findIndex((m) => m.startsWith('the stack is UPDATE_ROLLBACK_FAILED from an earlier update: continuing its rollback'));
    expect(continued).toBeGreaterThanOrEqual(0);
    expect(messages.findIndex((m, i) => i > continued && /update started \(scale\)/.test(m))).toBeGreaterThan(continued);
  }, 120_000);

  it('hibernates to 3 managers and 0 workers, and wakes back to the previous count', async () => {
    // The count the earlier changes left (each test of this file starts from where the one before it ended).
    const previous = (await api('GET', `/clusters/${id}`)).body!.parameters.workers as number;
    const hibernating = await api('POST', `/clusters/${id}/hibernate`);
    const hibernated = await settled(id);
    const asleep = await eventually(() => nodesOf(id), (n) => count(n, 'worker') === 0, 20_000);

    const waking = await api('POST', `/clusters/${id}/wake`);
    const woken = await settled(id);
    const awake = await eventually(() => nodesOf(id), (n) => count(n, 'worker') === previous, 20_000);

    expect(hibernating.status).toBe(202);
    expect(hibernated).toMatchObject({ status: 'HIBERNATED', parameters: { managers: 3, workers: 0 } });
    expect(count(asleep, 'manager')).toBe(3);
    expect(waking.status).toBe(202);
    expect(previous).toBeGreaterThan(0);
    expect(woken).toMatchObject({ status: 'READY', parameters: { workers: previous }, lastUpdate: { operation: 'wake', outcome: 'updated' } });
    expect(count(awake, 'worker')).toBe(previous);
  }, 120_000);

  it('a new worker instance type replaces every worker', async () => {
    const before = running(await nodesOf(id)).filter((n) => n.role === 'worker');

    const patched = await api('PATCH', `/clusters/${id}`, { workerInstanceType: 't3.medium' });
    const ready = await settled(id, 90_000);
    const after = await eventually(() => nodesOf(id), (n) => count(n, 'worker') === before.length && !running(n).some((m) => before.some((b) => b.instanceId === m.instanceId)), 30_000);

    expect(patched.status).toBe(202);
    expect(ready).toMatchObject({ status: 'READY', parameters: { workerInstanceType: 't3.medium' }, lastUpdate: { operation: 'resize', outcome: 'updated' } });
    expect(running(after).filter((n) => n.role === 'worker').every((n) => !before.some((b) => b.instanceId === n.instanceId))).toBe(true);
  }, 120_000);

  it('a delete during an update stops it, cancels the stack update, and deletes', async () => {
    // A new manager instance type: the managers roll one at a time (the longest update there is), so the delete
    // comes while the stack is UPDATE_IN_PROGRESS.
    const patched = await api('PATCH', `/clusters/${id}`, { managerInstanceType: 't3.medium' });
    await eventually(() => timeline(id), (events) => events.some((e) => e.message === 'stack UPDATE_IN_PROGRESS'), 10_000);
    const deleting = await api('DELETE', `/clusters/${id}`);
    const deleted = await eventually(() => api('GET', `/clusters/${id}`), (r) => ['DELETED', 'DELETE_FAILED'].includes(r.body?.status), 90_000);

    expect(patched.status).toBe(202);
    expect(deleting.status).toBe(202);
    expect(deleted.body!.status).toBe('DELETED');
    const messages = (await timeline(id)).map((e) => e.message);
    expect(messages).toContain('update workflow stopped: the cluster is being deleted');
    // DeleteStack is refused while the update runs: it was cancelled (or had ended) before the stack was deleted.
    const settledAt = messages.findIndex((m) => /stack update cancelled|stack UPDATE_ROLLBACK_COMPLETE/.test(m));
    expect(settledAt).toBeGreaterThanOrEqual(0);
    expect(settledAt).toBeLessThan(messages.findIndex((m) => m.startsWith('waiting for stack deletion')));
  }, 120_000);
});
