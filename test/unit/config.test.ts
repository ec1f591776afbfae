/** loadConfig: the one reader of the environment, checked at cold start. */
import { ConfigurationError, loadConfig } from '../../src/config';

const REQUIRED = {
  AWS_REGION: 'eu-west-1',
  CLUSTERS_TABLE: 'clusters',
  IDEMPOTENCY_TABLE: 'idempotency',
  API_KEYS_TABLE: 'keys',
  CREATE_CLUSTER_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:create',
  DELETE_CLUSTER_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:delete',
  UPDATE_CLUSTER_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:update',
  DELIVER_WEBHOOK_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:deliver',
  STACK_ROLE_ARN: 'arn:aws:iam::123456789012:role/stacks',
  STACK_PERMISSIONS_BOUNDARY_ARN: 'arn:aws:iam::123456789012:policy/boundary',
};

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('loadConfig accepted the environment');
};

describe('loadConfig', () => {
  it('fills every default when only the required variables are set', () => {
    const config = loadConfig(REQUIRED);

    expect(config).toMatchObject({
      region: 'eu-west-1',
      allowedRegions: ['eu-west-1'],
      templatePath: 'templates/swarm.yaml',
      stackWait: { maxRounds: 6, heartbeatEverySeconds: 60 },
      instanceWait: { maxRounds: 6 },
      deleteRetryPauseSeconds: 10,
      idempotencyTtlSeconds: 86_400,
      webhook: { allowLoopbackHttp: false, timeoutMs: 10_000, retryTimeScale: 1 },
      operatorRoleArns: [],
      quota: { maxActiveClusters: 10, maxInstances: 100 },
      slack: { signingSecret: undefined, teamIds: [], commandSource: undefined, allowLoopbackHttp: false, botToken: undefined, apiUrl: 'https://slack.com/api' },
      deleteMaxAttempts: 3,
      reaper: { reminderLeadSeconds: 3600, intervalSeconds: 60, batchSize: 200 },
      reconciler: { graceSeconds: 300, intervalSeconds: 60, batchSize: 200 },
    });
  });

  it('reads numbers, flags and comma-separated lists as given', () => {
    const config = loadConfig({
      ...REQUIRED,
      ALLOWED_REGIONS: 'eu-west-1, us-east-1,,',
      QUOTA_MAX_INSTANCES: ' 7 ',
      WEBHOOK_RETRY_TIME_SCALE: '0.05',
      WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true',
      REAPER_INTERVAL_SECONDS: '0',
      SLACK_SIGNING_SECRET: '',
    });

    expect(config.allowedRegions).toEqual(['eu-west-1', 'us-east-1']);
    expect(config.quota.maxInstances).toBe(7);
    expect(config.webhook).toMatchObject({ retryTimeScale: 0.05, allowLoopbackHttp: true });
    expect(config.reaper.intervalSeconds).toBe(0);
    // Empty means "not configured".
    expect(config.slack.signingSecret).toBeUndefined();
  });

  it('names every variable that is missing or malformed, all at once', () => {
    const message = problemsOf({
      ...REQUIRED,
      AWS_REGION: '',
      CLUSTERS_TABLE: undefined as never,
      STACK_ROLE_ARN: 'role/stacks',
      STACK_PERMISSIONS_BOUNDARY_ARN: 'arn:aws:iam::123456789012:role/not-a-policy',
      QUOTA_MAX_ACTIVE_CLUSTERS: '0',
      STACK_WAIT_MAX_ROUNDS: '2.5',
      WEBHOOK_TIMEOUT_MS: '20000',
      REAPER_BATCH_SIZE: 'many',
      WEBHOOK_ALLOW_LOOPBACK_HTTP: 'yes',
      RECONCILER_GRACE_SECONDS: '-1',
    });

    expect(message.startsWith('invalid environment: ')).toBe(true);
    for (const name of ['AWS_REGION', 'CLUSTERS_TABLE', 'STACK_ROLE_ARN', 'STACK_PERMISSIONS_BOUNDARY_ARN', 'QUOTA_MAX_ACTIVE_CLUSTERS', 'STACK_WAIT_MAX_ROUNDS', 'WEBHOOK_TIMEOUT_MS', 'REAPER_BATCH_SIZE', 'WEBHOOK_ALLOW_LOOPBACK_HTTP', 'RECONCILER_GRACE_SECONDS']) {
      expect(message).toContain(`${name}: `);
    }
    expect(message.split('; ')).toHaveLength(10);
  });

  it('reads the Slack bot token and Slack’s API base (without a trailing slash), and takes an empty token as none', () => {
    const config = loadConfig({ ...REQUIRED, SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_API_URL: 'http://127.0.0.1:9999/api/' });

    expect(config.slack).toMatchObject({ botToken: 'xoxb-1-2-abc', apiUrl: 'http://127.0.0.1:9999/api' });
    expect(loadConfig({ ...REQUIRED, SLACK_BOT_TOKEN: '' }).slack.botToken).toBeUndefined();
    expect(problemsOf({ ...REQUIRED, SLACK_API_URL: 'slack.com/api' })).toContain('SLACK_API_URL: ');
  });

  it('refuses a chat command source in the aws. namespace, which EventBridge keeps for AWS services', () => {
    // PutEventsRequestEntry: "The aws. value prefix is service-reserved and cannot be used as a value"
    // (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html).
    expect(problemsOf({ ...REQUIRED, SLACK_COMMAND_SOURCE: 'aws.chatops' })).toContain('SLACK_COMMAND_SOURCE: ');
    expect(loadConfig({ ...REQUIRED, SLACK_COMMAND_SOURCE: 'swarm-provisioner.prod.chatops' }).slack.commandSource).toBe('swarm-provisioner.prod.chatops');
    expect(loadConfig({ ...REQUIRED, SLACK_COMMAND_SOURCE: '' }).slack.commandSource).toBeUndefined();
  });
});
