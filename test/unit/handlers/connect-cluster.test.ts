/** GET /clusters/{id}/connect through the middleware, on the embedded DynamoDB: the record only, no AWS client. */
import type { Cluster } from '../../../src/domain/cluster';
import { connectInstructionsSchema } from '../../../src/handlers/http/api-schemas';
import { connectClusterHandler } from '../../../src/handlers/http/connect-cluster';
import { aCluster } from '../../support/clusters';
import { startTestDynamoDB } from '../../support/dynamodb';
import { httpEvent, invoke } from '../../support/http';

let db: Awaited<ReturnType<typeof startTestDynamoDB>>;

beforeAll(async () => {
  db = await startTestDynamoDB();
});
afterAll(() => db.close());

async function stored(overrides: Partial<Cluster>): Promise<Cluster> {
  const cluster = aCluster(overrides);
  await db.store.create(cluster);
  return cluster;
}

const connect = (id: string, principal = 'alice', query?: Record<string, string>) =>
  invoke(connectClusterHandler({ store: db.store, access: { operatorRoleArns: [] } }), httpEvent({ method: 'GET', path: `/clusters/${id}/connect`, pathParameters: { id }, principal, query }));

const manager = { instanceId: 'i-0123456789abcdef0', role: 'manager' as const, availabilityZone: 'us-east-1a', state: 'running' };

describe('GET /clusters/{id}/connect', () => {
  it('answers 200 with the commands for the owner’s running manager, in the documented shape', async () => {
    const cluster = await stored({ status: 'READY', name: 'demo', nodes: [manager] });

    const response = await connect(cluster.id);

    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body!);
    expect(connectInstructionsSchema.parse(body)).toEqual(body);
    expect(body.commands.portForward).toContain('--target i-0123456789abcdef0');
    expect(body.commands.portForward).toContain('--region us-east-1');
    expect(body.commands.dockerContext).toBe('docker context create demo --docker host=tcp://127.0.0.1:2375');
  });

  it('answers 404 to someone else, as reading the cluster does', async () => {
    const cluster = await stored({ status: 'READY', nodes: [manager] });

    expect((await connect(cluster.id, 'mallory')).statusCode).toBe(404);
  });

  it('answers 409 problem+json while the cluster is still being created', async () => {
    const cluster = await stored({ status: 'CREATING', nodes: [] });

    const response = await connect(cluster.id);

    expect(response.statusCode).toBe(409);
    expect(response.headers?.['content-type'] ?? response.headers?.['Content-Type']).toMatch(/application\/problem\+json/);
  });

  it('answers 422 to a query parameter (there are none)', async () => {
    const cluster = await stored({ status: 'READY', nodes: [manager] });

    expect((await connect(cluster.id, 'alice', { port: '2376' })).statusCode).toBe(422);
  });
});
