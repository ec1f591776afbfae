/**
 * Connect on the local cloud, over HTTP: a READY cluster's `GET /clusters/{id}/connect` names one of that cluster's
 * own running managers (as GET /clusters/{id}/nodes lists them) and its region, and asks EC2 nothing to do so.
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

const api = (method: string, path: string, body?: unknown) => callJson(cloud.url, method, path, body);

describe('connect', () => {
  it('answers a READY cluster with an SSM port forward to one of its running managers in its region, and 409 before it is READY', async () => {
    // Prepare: a cluster, asked for its commands while it is still being created, then once READY.
    const created = await api('POST', '/clusters', { name: 'reach-me', managers: 3, workers: 1 });
    const id = created.body!.id as string;
    const early = await api('GET', `/clusters/${id}/connect`);
    const ready = await eventually(() => api('GET', `/clusters/${id}`), (r) => ['READY', 'FAILED'].includes(r.body?.status));
    const nodes = (await api('GET', `/clusters/${id}/nodes`)).body!.items as { instanceId: string; role: string; state: string }[];
    const describes = cloud.simulatedCloud!.callCount('DescribeInstances');

    // Act
    const connect = await api('GET', `/clusters/${id}/connect`);

    // Assess
    expect(early).toMatchObject({ status: 409, contentType: expect.stringContaining('application/problem+json') });
    expect(ready.body!.status).toBe('READY');
    expect(connect.status).toBe(200);
    const managers = nodes.filter((node) => node.role === 'manager' && node.state === 'running').map((node) => node.instanceId);
    expect(managers).toHaveLength(3);
    expect(managers).toContain(connect.body!.instanceId);
    expect(connect.body!.region).toBe(ready.body!.region);
    expect(connect.body!.commands.portForward).toBe(
      `aws ssm start-session --region ${ready.body!.region} --target ${connect.body!.instanceId} --document-name AWS-StartPortForwardingSession --parameters '{"portNumber":["2375"],"localPortNumber":["2375"]}'`,
    );
    expect(connect.body!.commands.dockerContext).toBe('docker context create reach-me --docker host=tcp://127.0.0.1:2375');
    // From the record alone: answering asked EC2 nothing.
    expect(cloud.simulatedCloud!.callCount('DescribeInstances')).toBe(describes);

    expect((await api('DELETE', `/clusters/${id}`)).status).toBe(202);
    await eventually(() => api('GET', `/clusters/${id}`), (r) => ['DELETED', 'DELETE_FAILED'].includes(r.body?.status), 60_000);
  }, 90_000);
});
