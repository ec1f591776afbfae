/**
 * The node inventory on the local cloud, over HTTP: a READY cluster's `GET /clusters/{id}/nodes` follows what
 * happens to its instances, from EC2's and Auto Scaling's events on the local bus (whose rules are serverless.yml's),
 * and answers from the record alone: no DescribeInstances at request time, and no `refresh`.
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

type Node = { instanceId: string; role: string; availabilityZone: string; state: string; privateIp?: string; stateAt?: string };

const api = (method: string, path: string, body?: unknown) => callJson(cloud.url, method, path, body);

const nodesOf = async (id: string) => (await api('GET', `/clusters/${id}/nodes`)).body!.items as Node[];
const describeCalls = () => cloud.simulatedCloud!.callCount('DescribeInstances');

describe('node inventory kept by events', () => {
  it('shows a terminated-and-replaced instance of a READY cluster without any refresh, and the delete still proves every instance gone', async () => {
    const created = await api('POST', '/clusters', { name: 'replaced', managers: 1, workers: 2 });
    const id = created.body!.id as string;
    await eventually(() => api('GET', `/clusters/${id}`), (r) => ['READY', 'FAILED'].includes(r.body?.status));
    const before = await nodesOf(id);
    const victim = before.find((node) => node.role === 'worker')!;

    // The simulated group replaces the worker (a failed health check): EC2 and Auto Scaling events follow.
    const replaced = await fetch(`${cloud.simulatedCloud!.endpoint}/_simulator/instances/${victim.instanceId}/replace`, { method: 'POST' });
    const { replacement } = (await replaced.json()) as { replacement: string };
    const after = await eventually(
      () => nodesOf(id),
      (nodes) => !nodes.some((node) => node.instanceId === victim.instanceId) && nodes.find((node) => node.instanceId === replacement)?.state === 'running',
    );
    const calls = describeCalls();
    const read = await api('GET', `/clusters/${id}/nodes`);
    const refresh = await api('GET', `/clusters/${id}/nodes?refresh=true`);

    expect(before.map((node) => node.state)).toEqual(['running', 'running', 'running']);
    expect(replaced.status).toBe(202);
    expect(after).toHaveLength(3);
    expect(after.find((node) => node.instanceId === replacement)).toMatchObject({
      role: 'worker',
      availabilityZone: victim.availabilityZone,
      state: 'running',
      privateIp: expect.any(String),
      stateAt: expect.any(String),
    });
    // The route reads the record only: answering asked EC2 nothing.
    expect(read.status).toBe(200);
    expect(describeCalls()).toBe(calls);
    // `refresh` is gone: the route takes no query parameters, and refuses an unknown one as every route does.
    expect(refresh.status).toBe(422);
    expect(JSON.stringify(refresh.body)).toContain('refresh');

    expect((await api('DELETE', `/clusters/${id}`)).status).toBe(202);
    const deleted = await eventually(() => api('GET', `/clusters/${id}`), (r) => ['DELETED', 'DELETE_FAILED'].includes(r.body?.status), 60_000);
    expect(deleted.body!.status).toBe('DELETED');
    // The delete's own DescribeInstances (by the cluster-id tag) also finds the replaced worker, terminated: EC2 keeps
    // listing terminated instances for about an hour, and the simulated cloud for a minute.
    const final = await nodesOf(id);
    expect(final.every((node) => node.state === 'terminated')).toBe(true);
    const survivors = [...before.filter((node) => node.instanceId !== victim.instanceId).map((node) => node.instanceId), replacement];
    expect(final.map((node) => node.instanceId)).toEqual(expect.arrayContaining(survivors));
    expect(final.every((node) => survivors.includes(node.instanceId) || node.instanceId === victim.instanceId)).toBe(true);
  }, 90_000);
});
