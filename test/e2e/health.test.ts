/**
 * Health and drift on the local cloud, over HTTP: out-of-band changes made through the simulated cloud's own control
 * routes (the `gone` fault deletes the stack behind the service's back; `/_simulator/instances/<id>/terminate` is
 * someone else's TerminateInstances, `/replace` the group's health check replacing it), then one health sweep (the
 * handler its timer runs; the timer itself is off so each sweep is the test's).
 */
import { startLocalCloud, type LocalCloud } from '../../sandbox/local-cloud';
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

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${cloud.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}

async function readyHooked(name: string) {
  const created = await api('POST', '/clusters', { name, managers: 1, workers: 2, webhook: { url: receiver.url } });
  expect(created.status).toBe(202);
  const id = created.body!.id as string;
  receiver.expectSecret(id, created.body!.webhookSecret as string);
  const ready = await eventually(() => api('GET', `/clusters/${id}`), (r) => ['READY', 'FAILED'].includes(r.body?.status));
  expect(ready.body?.status).toBe('READY');
  return { id, stackName: ready.body!.stackName as string };
}

const simulator = (path: string) => fetch(`${cloud.simulatedCloud!.endpoint}/_simulator/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
const healthOf = async (id: string) => (await api('GET', `/clusters/${id}`)).body?.health as { status: string; reasons: { code: string }[]; checkedAt: string } | undefined;
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
    expect(degraded).toMatchObject({ status: 'degraded', reasons: [{ code: 'instances_missing' }] });
    expect(replaced.status).toBe(202);
    expect(healthy).toMatchObject({ status: 'healthy', reasons: [] });
    expect(delivered).toEqual(['cluster.degraded', 'cluster.recovered']);
  });
});
