/**
 * Health and drift on the local cloud, over HTTP: out-of-band changes made through the simulated cloud's own control
 * routes (the `gone` fault deletes the stack behind the service's back; `/_simulator/instances/<id>/terminate` is
 * someone else's TerminateInstances, `/replace` the group's health check replacing it, `/hang` an instance that
 * hangs: running for EC2, ConnectionLost for SSM), then one health sweep (the handler its timer runs; the timer
 * itself is off so each sweep is the test's).
 */
import { startLocalCloud, type LocalCloud } from '../../sandbox/local-cloud';
import { callJson } from '../support/local-api';
import { eventually, startWebhookReceiver } from '../support/webhook-receiver';

let cloud: LocalCloud;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  cloud = await startLocalCloud({ timeScale: 0.1, healthIntervalSeconds: 0 });
});

afterAll(async () => {
  await cloud.stepFunctions.idle();
  await cloud.close();
  await receiver.close();
});

const api = (method: string, path: string, body?: unknown) => callJson(cloud.url, method, path, body);

async function readyHooked(name: string, options: Record<string, unknown> = {}) {
  const created = await api('POST', '/clusters', { name, managers: 1, workers: 2, webhook: { url: receiver.url }, ...options });
  expect(created.status).toBe(202);
  const id = created.body!.id as string;
  receiver.expectSecret(id, created.body!.webhookSecret as string);
  const ready = await eventually(() => api('GET', `/clusters/${id}`), (r) => ['READY', 'FAILED'].includes(r.body?.status));
  expect(ready.body?.status).toBe('READY');
  return { id, stackName: ready.body!.stackName as string };
}

const simulator = (path: string) => fetch(`${cloud.simulatedCloud!.endpoint}/_simulator/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
const healthOf = async (id: string) =>
  (await api('GET', `/clusters/${id}`)).body?.health as { status: string; reasons: { code: string; message: string; instanceIds?: string[] }[]; checkedAt: string } | undefined;
const nodesOf = async (id: string) => (await api('GET', `/clusters/${id}/nodes`)).body!.items as { instanceId: string; role: string; state: string }[];
// The health events only (cluster.ready came first).
const receivedTypes = (id: string) => receiver.received.filter((w) => w.payload.data.cluster.id === id && w.payload.type !== 'cluster.ready').map((w) => w.payload.type);
const timelineTypes = async (id: string) => ((await api('GET', `/clusters/${id}/events?limit=100`)).body?.items as { type: string }[]).map((e) => e.type);

describe('health and drift', () => {
  it('turns a cluster whose stack was deleted behind the service’s back drifted within one sweep, and sends cluster.drifted', async () => {
    const { id, stackName } = await readyHooked('drift');
    await cloud.sweepHealth();
    const before = await healthOf(id);

    const fault = await fetch(`${cloud.simulatedCloud!.endpoint}/_simulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stack: stackName, fault: 'gone' }) });
    const summary = await cloud.sweepHealth();
    const after = await api('GET', `/clusters/${id}`);
    const delivered = await eventually(async () => receivedTypes(id), (types) => types.includes('cluster.drifted'));

    expect(before?.status).toBe('healthy');
    expect(fault.status).toBe(202);
    expect(summary.drifted).toBeGreaterThanOrEqual(1);
    expect(after.body).toMatchObject({ status: 'READY', health: { status: 'drifted', reasons: [{ code: 'stack_missing' }] } });
    expect(delivered).toEqual(['cluster.drifted']);
    expect(await timelineTypes(id)).toContain('cluster.drifted');
  });

  it('turns a cluster whose instance someone terminated degraded, then healthy again once its group replaced it', async () => {
    const { id } = await readyHooked('degrade');
    const nodes = (await api('GET', `/clusters/${id}/nodes`)).body!.items as { instanceId: string; role: string }[];
    const victim = nodes.find((node) => node.role === 'worker')!;

    const terminated = await simulator(`instances/${victim.instanceId}/terminate`);
    await cloud.sweepHealth();
    const degraded = await healthOf(id);
    const replaced = await simulator(`instances/${victim.instanceId}/replace`);
    // The replacement boots (pending → running) in the simulated cloud's own time: sweep until it counts.
    const healthy = await eventually(
      async () => {
        await cloud.sweepHealth();
        return healthOf(id);
      },
      (health) => health?.status === 'healthy',
      20_000,
      200,
    );
    const delivered = await eventually(async () => receivedTypes(id), (types) => types.includes('cluster.recovered'));

    expect(terminated.status).toBe(202);
    // While it shuts down its group also lists it Terminating and Unhealthy (instances_unhealthy); once terminated, not.
    expect(degraded?.status).toBe('degraded');
    expect(degraded?.reasons.map((reason) => reason.code)).toContain('instances_missing');
    expect(replaced.status).toBe(202);
    expect(healthy).toMatchObject({ status: 'healthy', reasons: [] });
    expect(delivered).toEqual(['cluster.degraded', 'cluster.recovered']);
  });

  it('finds a hung manager unreachable, with the quorum at risk, and leaves it be without autoRepair', async () => {
    const { id } = await readyHooked('hung', { managers: 3, workers: 1 });
    const manager = (await nodesOf(id)).find((node) => node.role === 'manager')!;

    const hung = await simulator(`instances/${manager.instanceId}/hang`);
    const first = await cloud.sweepHealth();
    const second = await cloud.sweepHealth();
    const health = await healthOf(id);
    const delivered = await eventually(async () => receivedTypes(id), (types) => types.includes('cluster.degraded'));

    expect(hung.status).toBe(202);
    expect(first.degraded).toBeGreaterThanOrEqual(1);
    expect(first.repaired + second.repaired).toBe(0);
    expect(health).toMatchObject({ status: 'degraded', reasons: [{ code: 'manager_unreachable', instanceIds: [manager.instanceId] }] });
    expect(health?.reasons[0]?.message).toContain('one more loss and the swarm loses its Raft quorum');
    expect(delivered).toEqual(['cluster.degraded']);
    expect(await timelineTypes(id)).not.toContain('node.repairing');
  });

  it('with autoRepair, has the group replace a hung manager on the second sweep, and the cluster is healthy again', async () => {
    const { id } = await readyHooked('mend', { managers: 3, workers: 1, autoRepair: true });
    const manager = (await nodesOf(id)).find((node) => node.role === 'manager')!;

    await simulator(`instances/${manager.instanceId}/hang`);
    await cloud.sweepHealth();
    const found = await healthOf(id);
    const repairing = await cloud.sweepHealth();
    // The group terminates the hung manager and launches one in its zone, which boots in the simulated cloud's own time.
    const healthy = await eventually(
      async () => {
        await cloud.sweepHealth();
        return healthOf(id);
      },
      (health) => health?.status === 'healthy',
      30_000,
      200,
    );
    const events = (await api('GET', `/clusters/${id}/events?limit=100`)).body?.items as { type: string; message: string; details?: { instanceId?: string } }[];
    const delivered = await eventually(async () => receivedTypes(id), (types) => types.includes('cluster.recovered'));

    expect(found).toMatchObject({ status: 'degraded', reasons: [{ code: 'manager_unreachable', instanceIds: [manager.instanceId] }] });
    expect(repairing.repaired).toBe(1);
    expect(events.filter((event) => event.type === 'node.repairing')).toEqual([expect.objectContaining({ details: expect.objectContaining({ instanceId: manager.instanceId }) })]);
    expect(healthy).toMatchObject({ status: 'healthy', reasons: [] });
    expect(delivered[0]).toBe('cluster.degraded');
    expect(delivered.at(-1)).toBe('cluster.recovered');
  });
});
