/** The connect commands (domain/connect.ts): which manager, which states, and the exact lines a person pastes. */
import type { ClusterNode } from '../../../src/domain/cluster';
import { connectInstructions, connectScript } from '../../../src/domain/connect';
import { ConflictError } from '../../../src/domain/errors';
import { aCluster } from '../../support/clusters';

const node = (instanceId: string, role: ClusterNode['role'], availabilityZone: string, state = 'running'): ClusterNode => ({ instanceId, role, availabilityZone, state });

describe('connectInstructions', () => {
  it('forwards to the first running manager by zone and id, in the cluster’s region, through its name as the docker context', () => {
    // Prepare: a worker and a stopped manager sort before the running managers and must not be picked.
    const cluster = aCluster({
      name: 'web-prod',
      region: 'eu-west-1',
      status: 'READY',
      nodes: [node('i-0aaa', 'worker', 'eu-west-1a'), node('i-0bbb', 'manager', 'eu-west-1a', 'stopped'), node('i-0ddd', 'manager', 'eu-west-1c'), node('i-0ccc', 'manager', 'eu-west-1b')],
    });

    // Act
    const instructions = connectInstructions(cluster);

    // Assess: the document and parameter names are Session Manager's
    // (https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-specify-session-document.html).
    expect(instructions).toEqual({
      clusterId: cluster.id,
      region: 'eu-west-1',
      instanceId: 'i-0ccc',
      availabilityZone: 'eu-west-1b',
      localPort: 2375,
      commands: {
        portForward:
          'aws ssm start-session --region eu-west-1 --target i-0ccc --document-name AWS-StartPortForwardingSession --parameters \'{"portNumber":["2375"],"localPortNumber":["2375"]}\'',
        dockerContext: 'docker context create web-prod --docker host=tcp://127.0.0.1:2375',
        nodeList: 'docker --context web-prod node ls',
        dockerHost: 'export DOCKER_HOST=tcp://127.0.0.1:2375',
      },
    });
  });

  it.each(['READY', 'UPDATING', 'HIBERNATED'] as const)('answers for a %s cluster whose manager runs', (status) => {
    const cluster = aCluster({ status, nodes: [node('i-0m', 'manager', 'us-east-1a')] });

    expect(connectInstructions(cluster).instanceId).toBe('i-0m');
  });

  it.each(['CREATING', 'FAILED', 'UPDATE_FAILED', 'DELETING', 'DELETED', 'DELETE_FAILED'] as const)('refuses a %s cluster with a conflict, even with a manager on record', (status) => {
    const cluster = aCluster({ status, nodes: [node('i-0m', 'manager', 'us-east-1a')] });

    expect(() => connectInstructions(cluster)).toThrow(ConflictError);
  });

  it('refuses a READY cluster none of whose managers is running', () => {
    const cluster = aCluster({ status: 'READY', nodes: [node('i-0m', 'manager', 'us-east-1a', 'shutting-down'), node('i-0w', 'worker', 'us-east-1a')] });

    expect(() => connectInstructions(cluster)).toThrow(/no running manager/);
  });
});

describe('connectScript', () => {
  it('prints the port forward first, then the context and the DOCKER_HOST alternative, each command on its own line', () => {
    const instructions = connectInstructions(aCluster({ status: 'READY', nodes: [node('i-0m', 'manager', 'us-east-1a')] }));

    const lines = connectScript(instructions).split('\n');

    expect(lines.filter((line) => !line.startsWith('#'))).toEqual([
      instructions.commands.portForward,
      instructions.commands.dockerContext,
      instructions.commands.nodeList,
      'export DOCKER_HOST=tcp://127.0.0.1:2375 && docker node ls',
    ]);
  });
});
