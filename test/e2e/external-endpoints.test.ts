/**
 * "Point the same service at another AWS-compatible endpoint": with AWS_ENDPOINT_URL_CLOUDFORMATION / _EC2 set
 * before start, the local cloud starts no simulator of its own and every CloudFormation and EC2 call goes there.
 * The stand-in "other emulator" here is a separately started simulated cloud; what is under test is that the
 * service follows the standard variables and nothing else.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { startSimulatedCloud, type SimulatedCloud } from '../../sandbox/cloud';
import { startLocalCloud, type LocalCloud } from '../../sandbox/local-cloud';
import { eventually } from '../support/webhook-receiver';

let external: SimulatedCloud;
let cloud: LocalCloud;

beforeAll(async () => {
  external = await startSimulatedCloud({ timeScale: 0.1 });
  process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = external.endpoint;
  process.env.AWS_ENDPOINT_URL_EC2 = external.endpoint;
  cloud = await startLocalCloud();
});

afterAll(async () => {
  await cloud.stepFunctions.idle();
  await cloud.close();
  await external.close();
  delete process.env.AWS_ENDPOINT_URL_CLOUDFORMATION;
  delete process.env.AWS_ENDPOINT_URL_EC2;
});

it('creates the stack on the endpoint named by AWS_ENDPOINT_URL_CLOUDFORMATION, starting no simulator of its own', async () => {
  expect(cloud.simulatedCloud).toBeUndefined();
  const created = await fetch(`${cloud.url}/clusters`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'elsewhere', workers: 2 }) });
  expect(created.status).toBe(202);
  const { id } = (await created.json()) as { id: string };

  const cluster = await eventually(
    () => fetch(`${cloud.url}/clusters/${id}`).then((r) => r.json() as Promise<{ status: string; stackId: string; nodes: unknown[] }>),
    (c) => c.status !== 'CREATING',
  );
  expect(cluster.status).toBe('READY');
  expect(cluster.nodes).toHaveLength(5);
  expect(external.callCount('CreateStack')).toBe(1);
  expect(external.callCount('DescribeInstances')).toBeGreaterThanOrEqual(1);

  const cfn = new CloudFormationClient({ region: 'us-east-1', endpoint: external.endpoint });
  const stack = await cfn.send(new DescribeStacksCommand({ StackName: cluster.stackId }));
  expect(stack.Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
  cfn.destroy();
});
