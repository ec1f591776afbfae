/**
 * Issue 9, finding 4, on the local cloud: `POST /clusters` with an Idempotency-Key whose first invocation dies after it
 * sent StartExecution (a Step Functions endpoint that never answers, a 1-second Lambda deadline). The retry once the
 * in-progress record has expired must answer with the first cluster, and the world must hold one of everything.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { buildWorkflowStarter } from '../../src/adapters/stepfunctions/workflow-starter';
import { clusterIdFor } from '../../src/domain/cluster';
import { createClusterHandler } from '../../src/handlers/http/create-cluster';
import { lambdaContext } from '../../sandbox/http-api';
import { startLocalCloud, type LocalCloud } from '../../sandbox/local-cloud';
import { httpEvent } from '../support/http';
import { callJson } from '../support/local-api';
import { eventually } from '../support/webhook-receiver';

const DEADLINE_MS = 1000;
let cloud: LocalCloud;
let blackHole: Server;
const sockets: Socket[] = [];

beforeAll(async () => {
  cloud = await startLocalCloud({ timeScale: 0.1, reaperIntervalSeconds: 0 });
  // Accepts the connection, reads the request and never answers: StartExecution sent, its answer never heard.
  blackHole = createServer((socket) => {
    sockets.push(socket);
    socket.resume();
  });
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => blackHole.close(resolve));
  await cloud.stepFunctions.idle();
  await cloud.close();
});

const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => callJson(cloud.url, method, path, body, headers);

describe('Idempotency-Key across a crash, on the local cloud', () => {
  it('answers the retry after the crashed attempt with the first cluster, which reaches READY: one record, one execution, one stack, one quota share', async () => {
    // Prepare: the same create handler and stores as the local API, but a Step Functions endpoint that never answers.
    const { port } = blackHole.address() as { port: number };
    const stuck = new SFNClient({ region: cloud.deps.config.region, endpoint: `http://127.0.0.1:${port}` });
    const crashing = createClusterHandler({
      ...cloud.deps,
      workflows: buildWorkflowStarter(stuck, { create: cloud.deps.config.createClusterStateMachineArn, delete: cloud.deps.config.deleteClusterStateMachineArn }),
    });
    const request = { name: 'crashy', managers: 1, workers: 1 };
    const headers = { 'idempotency-key': 'order-7' };

    // Act: the first attempt dies at its deadline (middy answers a 500 just before it; Lambda would end it anyway).
    const firstAttempt = Promise.race([
      crashing(httpEvent({ method: 'POST', path: '/clusters', body: request, headers, principal: cloud.principal }), lambdaContext('createCluster', DEADLINE_MS)).then((r) => r.statusCode),
      new Promise((resolve) => setTimeout(() => resolve('no answer'), DEADLINE_MS + 200)),
    ]);
    await eventually(async () => sockets.length, (n) => n > 0, DEADLINE_MS);
    const whileInFlight = await api('POST', '/clusters', request, headers);
    const first = await firstAttempt;
    const retry = await eventually(() => api('POST', '/clusters', request, headers), (r) => r.status !== 409, 5_000, 100);

    // Assess: StartExecution went out (the black hole has its connection), 409 while the first attempt could still be running, then the first cluster (the id owner + key name).
    expect([500, 'no answer']).toContain(first);
    expect(whileInFlight.status).toBe(409);
    expect(retry.status).toBe(202);
    const id = clusterIdFor(cloud.principal, 'order-7');
    expect(retry.body!.id).toBe(id);
    const ready = await eventually(() => api('GET', `/clusters/${id}`), (r) => ['READY', 'FAILED'].includes(r.body?.status), 30_000);
    expect(ready.body!.status).toBe('READY');

    const mine = (await api('GET', '/clusters?limit=100')).body!.items as { id: string; name: string }[];
    expect(mine.filter((c) => c.name === 'crashy').map((c) => c.id)).toEqual([id]);
    const executions = await new SFNClient({ region: cloud.deps.config.region }).send(new ListExecutionsCommand({ stateMachineArn: cloud.deps.config.createClusterStateMachineArn }));
    expect(executions.executions!.map((e) => e.name)).toEqual([id]);
    const stacks = await new CloudFormationClient({ region: cloud.deps.config.region }).send(new ListStacksCommand({}));
    expect(stacks.StackSummaries!.filter((s) => s.StackStatus !== 'DELETE_COMPLETE').map((s) => s.StackName)).toEqual([`swarm-${id}`]);
    expect(await cloud.deps.quotas.usage(cloud.principal)).toEqual({ activeClusters: 1, instances: 2 });
  });
});
