/**
 * The sandbox hands its settings to loadConfig and writes only the SDK's own variables (region, credentials,
 * AWS_ENDPOINT_URL_<SERVICE>) into process.env, where the SDK v3 clients look for them; close() takes those back.
 */
import { localConfig, localServiceDefaults } from '../../sandbox/environment';
import { startLocalCloud } from '../../sandbox/local-cloud';

describe('the sandbox environment', () => {
  it('leaves the service settings out of process.env and takes its SDK variables back on close', async () => {
    // Prepare
    const before = { ...process.env };

    // Act
    const cloud = await startLocalCloud({ reaperIntervalSeconds: 0, reconcilerIntervalSeconds: 0 });
    const during = { ...process.env };
    await cloud.close();

    // Assess: what it added is the SDK's, and nothing else.
    const added = Object.keys(during).filter((name) => before[name] === undefined).sort();
    expect(added).toEqual(['AWS_ENDPOINT_URL_AUTO_SCALING', 'AWS_ENDPOINT_URL_CLOUDFORMATION', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL_EVENTBRIDGE', 'AWS_ENDPOINT_URL_SFN', 'AWS_ENDPOINT_URL_SSM']);
    expect(cloud.deps.config.clustersTable).toBe('swarm-provisioner-local-clusters');
    expect(process.env).toEqual(before);
  });

  it('lets the environment override any local default', () => {
    // Prepare: the sandbox's own quota is roomier than the service's.
    expect(localServiceDefaults().QUOTA_MAX_INSTANCES).toBe('500');

    // Act
    const config = localConfig(undefined, { AWS_REGION: 'eu-west-1', QUOTA_MAX_INSTANCES: '7' });

    // Assess
    expect(config.quota.maxInstances).toBe(7);
    expect(config.quota.maxActiveClusters).toBe(50);
    expect(config.region).toBe('eu-west-1');
    expect(config.createClusterStateMachineArn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:swarm-provisioner-local-create-cluster');
  });
});
