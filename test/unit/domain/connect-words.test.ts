/**
 * The words of the connect answer: the 409 a cluster without a swarm to reach gets (its status and the states that
 * have one), the 409 of a cluster none of whose managers runs, and the whole script a person pastes, comments included
 * (swarmctl and Slack print it as it is). The port forward is Session Manager's
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-specify-session-document.html).
 */
import type { ClusterNode } from '../../../src/domain/cluster';
import { connectableManager, connectInstructions, connectScript } from '../../../src/domain/connect';
import { ConflictError } from '../../../src/domain/errors';
import { aCluster } from '../../support/clusters';

const node = (instanceId: string, role: ClusterNode['role'], availabilityZone: string, state = 'running'): ClusterNode => ({ instanceId, role, availabilityZone, state });

describe('the refusals of a connect', () => {
  it('names the cluster, its status and the states that have a swarm to connect to', () => {
    // Prepare
    const cluster = aCluster({ id: 'c-01jd1', status: 'CREATING', nodes: [node('i-0m', 'manager', 'us-east-1a')] });

    // Act
    const run = () => connectInstructions(cluster);

    // Assess
    expect(run).toThrow(new ConflictError('cluster c-01jd1 is CREATING: there is a swarm to connect to only when it is READY, UPDATING, HIBERNATED'));
  });

  it('names the cluster whose managers are not running', () => {
    expect(() => connectInstructions(aCluster({ id: 'c-02', status: 'READY', nodes: [] }))).toThrow(
      new ConflictError('cluster c-02 has no running manager on record; try again once one is running'),
    );
  });
});

describe('the manager a connect reaches', () => {
  it('is none among workers and stopped managers', () => {
    expect(connectableManager([node('i-1', 'worker', 'us-east-1a'), node('i-2', 'manager', 'us-east-1a', 'pending')])).toBeUndefined();
  });

  it('is the running manager first by zone, then by id', () => {
    expect(connectableManager([node('i-9', 'manager', 'us-east-1b'), node('i-5', 'manager', 'us-east-1a'), node('i-3', 'manager', 'us-east-1a')])?.instanceId).toBe('i-3');
  });
});

describe('the script a person pastes', () => {
  it('numbers the steps and says where the tunnel goes, line by line', () => {
    // Prepare
    const instructions = connectInstructions(aCluster({ name: 'web', region: 'eu-west-1', status: 'READY', nodes: [node('i-0m', 'manager', 'eu-west-1a')] }));

    // Act
    const script = connectScript(instructions);

    // Assess
    expect(script.split('\n')).toEqual([
      '# 1. Forward 127.0.0.1:2375 to manager i-0m (eu-west-1); leave it running:',
      'aws ssm start-session --region eu-west-1 --target i-0m --document-name AWS-StartPortForwardingSession --parameters \'{"portNumber":["2375"],"localPortNumber":["2375"]}\'',
      '# 2. In another terminal, a docker context for the swarm:',
      'docker context create web --docker host=tcp://127.0.0.1:2375',
      'docker --context web node ls',
      '# Or, for this shell only:',
      'export DOCKER_HOST=tcp://127.0.0.1:2375 && docker node ls',
    ]);
  });
});
