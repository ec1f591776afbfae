// One IAM role per Lambda function, each with only the permission groups its code uses (plus writing to its own
// log group). The table below is the single place that says which function may do what;
// test/deployment/function-permissions.test.ts bundles every function's handler, reads which SDK commands its code
// can send, and fails when a role here lacks one of them or allows one the code never sends.
//
// ARNs of the state machines are built from names (!Sub), never !Ref/!GetAtt: a state machine refers to its task
// functions, and a function's role referring back would be a circular dependency.

const table = (name) => ({ 'Fn::GetAtt': [name, 'Arn'] });
const sub = (text) => ({ 'Fn::Sub': text });
const allow = (Sid, Action, Resource, Condition) => ({ Sid, Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) });

/** What each group allows, given the deployment's names. */
function permissionGroups({ service, stage, stateMachines, chatCommandSource, diagnosticsSource }) {
  const machine = (name) => sub(`arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${name}`);
  const swarmStacks = sub('arn:${AWS::Partition}:cloudformation:*:${AWS::AccountId}:stack/swarm-c-*/*');
  return {
    // The cluster store, the delivery log and the quota ledger share the clusters table.
    clusters: [
      allow('ClustersTable', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'], [
        table('ClustersTable'),
        { 'Fn::Join': ['', [table('ClustersTable'), '/index/*']] },
      ]),
    ],
    // The workflows' waits on the cluster record (adapters/dynamodb/workflow-waits.ts): conditional updates of the
    // stack wait; the instance wait also maps instance ids to their cluster (one small item each) and reads them back.
    stackWaits: [allow('StackWaits', ['dynamodb:UpdateItem'], table('ClustersTable'))],
    instanceWaits: [allow('InstanceWaits', ['dynamodb:GetItem', 'dynamodb:UpdateItem'], table('ClustersTable'))],
    // The node inventory as events keep it (adapters/dynamodb/cluster-nodes.ts): conditional updates of the cluster
    // item's inventory and of the instance → cluster items.
    nodeEvents: [allow('NodeEvents', ['dynamodb:UpdateItem'], table('ClustersTable'))],
    // Appending to a cluster's timeline and nothing else (the Auto Scaling events tell it about nodes).
    timeline: [allow('ClusterTimeline', ['dynamodb:PutItem'], table('ClustersTable'))],
    // Resuming a workflow that waits on a task token. These actions take no resource-level permission: IAM accepts
    // only "*" for them (the token itself is the capability).
    taskCallbacks: [allow('AnswerWaitingTasks', ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'], '*')],
    // The read-only routes: the cluster and delivery readers get and query, never write.
    clustersRead: [
      allow('ReadClustersTable', ['dynamodb:GetItem', 'dynamodb:Query'], [table('ClustersTable'), { 'Fn::Join': ['', [table('ClustersTable'), '/index/*']] }]),
    ],
    // Powertools idempotency: its persistence layer gets, puts, updates and deletes records.
    idempotency: [allow('IdempotencyTable', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], table('IdempotencyTable'))],
    // Slack's replay guard writes one conditional item per request into the idempotency table.
    slackReplays: [allow('SlackReplayGuard', ['dynamodb:PutItem'], table('IdempotencyTable'))],
    apiKeyLookup: [allow('ReadApiKeys', ['dynamodb:GetItem'], table('ApiKeysTable'))],
    stackRead: [allow('ReadSwarmStacks', ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents'], swarmStacks)],
    stackWrite: [
      allow('CreateAndDeleteSwarmStacks', ['cloudformation:CreateStack', 'cloudformation:DeleteStack'], swarmStacks),
      allow('PassOnlyTheStackRole', ['iam:PassRole'], table('SwarmStackRole'), { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } }),
    ],
    // The update workflow's UpdateStack, through the stack role (as CreateStack): it may pass that role and no other.
    // ContinueUpdateRollback: a retry from UPDATE_FAILED first finishes the rollback the earlier update could not.
    stackUpdate: [
      allow('UpdateSwarmStacks', ['cloudformation:UpdateStack', 'cloudformation:ContinueUpdateRollback'], swarmStacks),
      allow('PassOnlyTheStackRole', ['iam:PassRole'], table('SwarmStackRole'), { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } }),
    ],
    // A delete that finds its stack mid-update cancels the update first (DeleteStack is refused while it runs).
    stackCancel: [allow('CancelSwarmStackUpdates', ['cloudformation:CancelUpdateStack'], swarmStacks)],
    // DescribeInstances has no resource-level permissions; it is read-only.
    nodeInventory: [allow('NodeInventory', ['ec2:DescribeInstances'], '*')],
    // The health sweep's view of a cluster's groups (DescribeAutoScalingGroups has no resource-level permissions; it
    // is read-only), and autoRepair's SetInstanceHealth, only on groups that carry the service's managed-by tag (the
    // stack's tags propagate to its groups): SetInstanceHealth takes the autoScalingGroup resource and the
    // autoscaling:ResourceTag/${TagKey} condition key (Service Authorization Reference, "Actions defined by Amazon EC2
    // Auto Scaling": https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html).
    clusterGroups: [
      allow('ReadClusterGroups', ['autoscaling:DescribeAutoScalingGroups'], '*'),
      allow('RepairClusterNodes', ['autoscaling:SetInstanceHealth'], sub('arn:${AWS::Partition}:autoscaling:*:${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/*'), {
        StringEquals: { 'autoscaling:ResourceTag/swarm-provisioner:managed-by': 'swarm-provisioner' },
      }),
    ],
    // The managers' SSM agents (the health sweep): DescribeInstanceInformation has no resource-level permissions.
    nodeAgents: [allow('ReadNodeAgents', ['ssm:DescribeInstanceInformation'], '*')],
    // docker info / docker node ls on a manager (diagnostics): AWS-RunShellScript only, on the service's instances only;
    // GetCommandInvocation takes no resource-level permission.
    nodeRunCommand: [
      allow('RunShellScriptDocument', ['ssm:SendCommand'], sub('arn:${AWS::Partition}:ssm:*::document/AWS-RunShellScript')),
      allow('RunCommandOnClusterNodes', ['ssm:SendCommand'], sub('arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:instance/*'), {
        Null: { 'aws:ResourceTag/swarm-provisioner:cluster-id': 'false' },
      }),
      allow('ReadCommandInvocations', ['ssm:GetCommandInvocation'], '*'),
    ],
    // A node's console output (diagnostics): only instances that carry the service's cluster-id tag.
    nodeConsoleOutput: [
      allow('NodeConsoleOutput', ['ec2:GetConsoleOutput'], sub('arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:instance/*'), {
        Null: { 'aws:ResourceTag/swarm-provisioner:cluster-id': 'false' },
      }),
    ],
    clusterWorkflows: [
      allow('StartCreateAndDeleteWorkflows', ['states:StartExecution'], [machine(stateMachines.createCluster), machine(stateMachines.deleteCluster)]),
      // A DELETE of a CREATING cluster stops its create execution, of an UPDATING one its update execution; nothing
      // else is ever stopped.
      allow('CancelCreateAndUpdateExecutions', ['states:StopExecution'], [
        sub(`arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:${stateMachines.createCluster}:*`),
        sub(`arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:${stateMachines.updateCluster}:*`),
      ]),
    ],
    // The reconciler restarts a lost workflow; it never stops one.
    clusterWorkflowStarts: [
      allow('StartClusterWorkflows', ['states:StartExecution'], [machine(stateMachines.createCluster), machine(stateMachines.deleteCluster), machine(stateMachines.updateCluster)]),
    ],
    // The reconciler asks whether the execution driving a CREATING/DELETING/UPDATING cluster still runs.
    clusterExecutions: [
      allow('DescribeClusterExecutions', ['states:DescribeExecution'], [
        sub(`arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:${stateMachines.createCluster}:*`),
        sub(`arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:${stateMachines.deleteCluster}:*`),
        sub(`arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:${stateMachines.updateCluster}:*`),
      ]),
    ],
    // Changing a running cluster (PATCH, upgrade, hibernate, wake; the reaper's idle hibernation; Slack's commands):
    // starting the update workflow, and nothing else of it.
    updateWorkflow: [allow('StartUpdateWorkflow', ['states:StartExecution'], machine(stateMachines.updateCluster))],
    deliveryWorkflow: [allow('StartDeliverWebhookWorkflow', ['states:StartExecution'], machine(stateMachines.deliverWebhook))],
    // Handing a Slack command to the worker: events on the account's default bus, and only with this deployment's
    // source (PutEvents is authorized per entry; `events:source` is its condition key, "Using IAM policy conditions in
    // Amazon EventBridge": https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html).
    chatCommandEvents: [
      allow('HandSlackCommandsToTheWorker', ['events:PutEvents'], sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default'), {
        StringEquals: { 'events:source': chatCommandSource },
      }),
    ],
    // Recording a diagnostics request on its item (a conditional put; marking it failed): writes, never deletes.
    diagnosticsRequestItems: [allow('DiagnosticsRequestItems', ['dynamodb:PutItem', 'dynamodb:UpdateItem'], table('ClustersTable'))],
    // Handing a diagnostics collection to the collector: the same, with this deployment's diagnostics source.
    diagnosticsRequestEvents: [
      allow('HandDiagnosticsToTheCollector', ['events:PutEvents'], sub('arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default'), {
        StringEquals: { 'events:source': diagnosticsSource },
      }),
    ],
  };
}

/** Function (as named in serverless.yml) → the permission groups its code needs. */
const FUNCTION_PERMISSIONS = {
  // HTTP API
  createCluster: ['clusters', 'idempotency', 'clusterWorkflows'],
  listClusters: ['clustersRead'],
  getCluster: ['clustersRead'],
  listClusterNodes: ['clustersRead'],
  connectCluster: ['clustersRead'],
  getClusterDiagnostics: ['clustersRead'],
  collectClusterDiagnostics: ['clustersRead', 'diagnosticsRequestItems', 'diagnosticsRequestEvents'],
  listClusterEvents: ['clustersRead'],
  deleteCluster: ['clusters', 'clusterWorkflows'],
  updateCluster: ['clusters', 'updateWorkflow'],
  upgradeCluster: ['clusters', 'updateWorkflow'],
  hibernateCluster: ['clusters', 'updateWorkflow'],
  wakeCluster: ['clusters', 'updateWorkflow'],
  recordClusterActivity: ['clusters'],
  openApi: [],
  // The web console's page: static, it calls nothing.
  webConsole: [],
  listClusterDeliveries: ['clustersRead'],
  redeliverWebhook: ['clusters', 'deliveryWorkflow'],
  authorizeApiKey: ['apiKeyLookup'],
  slackCommand: ['slackReplays', 'chatCommandEvents'],
  slackWorker: ['clusters', 'clusterWorkflows', 'updateWorkflow'],
  diagnosticsCollector: ['clusters', 'nodeInventory', 'nodeConsoleOutput', 'nodeRunCommand'],
  // Create workflow
  createStack: ['clusters', 'stackRead', 'stackWrite'],
  awaitCreation: ['stackWaits', 'taskCallbacks'],
  checkStack: ['clusters', 'stackRead'],
  recordReady: ['clusters', 'stackRead', 'nodeInventory'],
  recordFailure: ['clusters', 'stackRead', 'nodeInventory', 'nodeConsoleOutput'],
  deleteFailedStack: ['clusters', 'stackRead', 'stackWrite'],
  checkStackDeletion: ['clusters', 'stackRead', 'stackWrite'],
  settleCleanup: ['clusters'],
  markFailed: ['clusters'],
  notify: ['clusters', 'deliveryWorkflow'],
  webhookGivenUp: ['clusters'],
  // Delete workflow
  removeStack: ['clusters', 'stackRead', 'stackWrite', 'stackCancel'],
  awaitStackRemoval: ['stackWaits', 'taskCallbacks'],
  checkStackRemoval: ['clusters', 'stackRead', 'stackWrite'],
  readDeleteFailure: ['clusters', 'stackRead'],
  awaitInstances: ['clusters', 'instanceWaits', 'nodeInventory', 'taskCallbacks'],
  markDeleted: ['clusters'],
  markDeleteFailed: ['clusters'],
  notifyDeleteOutcome: ['clusters', 'deliveryWorkflow'],
  deleteWebhookGivenUp: ['clusters'],
  // Update workflow
  updateStack: ['clusters', 'stackUpdate'],
  awaitStackUpdate: ['stackWaits', 'taskCallbacks'],
  checkStackUpdate: ['clusters', 'stackRead'],
  recordUpdateOutcome: ['clusters', 'stackRead', 'nodeInventory', 'nodeConsoleOutput'],
  markUpdateFailed: ['clusters'],
  notifyUpdateOutcome: ['clusters', 'deliveryWorkflow'],
  updateWebhookGivenUp: ['clusters'],
  // Deliver-webhook workflow
  attemptDelivery: ['clusters'],
  failDelivery: ['clusters'],
  // Events and schedules
  stackEvents: ['clusters', 'taskCallbacks'],
  instanceEvents: ['instanceWaits', 'nodeEvents', 'taskCallbacks'],
  autoScalingEvents: ['clustersRead', 'nodeEvents', 'nodeInventory', 'timeline'],
  executionEnded: ['clusters', 'deliveryWorkflow'],
  reapClusters: ['clusters', 'clusterWorkflows', 'updateWorkflow', 'deliveryWorkflow'],
  reconcileClusters: ['clusters', 'stackRead', 'clusterWorkflowStarts', 'clusterExecutions', 'deliveryWorkflow'],
  healthSweep: ['clusters', 'stackRead', 'nodeInventory', 'clusterGroups', 'nodeAgents', 'deliveryWorkflow'],
};

const pascal = (name) => `${name[0].toUpperCase()}${name.slice(1)}`;
/** The role's logical id; serverless.yml names it in each function's `role`. */
const roleId = (functionName) => `${pascal(functionName)}FunctionRole`;

module.exports.FUNCTION_PERMISSIONS = FUNCTION_PERMISSIONS;
module.exports.roleId = roleId;

module.exports.resources = async ({ resolveConfigurationProperty }) => {
  const service = await resolveConfigurationProperty(['service']);
  const stage = await resolveConfigurationProperty(['provider', 'stage']);
  const stateMachines = await resolveConfigurationProperty(['custom', 'stateMachines']);
  const chatCommandSource = await resolveConfigurationProperty(['custom', 'chatCommandSource']);
  const diagnosticsSource = await resolveConfigurationProperty(['custom', 'diagnosticsSource']);
  const functions = await resolveConfigurationProperty(['functions']);
  const groups = permissionGroups({ service, stage, stateMachines, chatCommandSource, diagnosticsSource });

  const Resources = {};
  for (const [name, definition] of Object.entries(functions ?? {})) {
    const needs = FUNCTION_PERMISSIONS[name];
    if (!needs) throw new Error(`scripts/function-roles.js: function "${name}" has no row in FUNCTION_PERMISSIONS; add one naming the permission groups its code uses`);
    if (definition.role !== roleId(name)) throw new Error(`serverless.yml: function "${name}" must declare "role: ${roleId(name)}" (its own role, from scripts/function-roles.js)`);
    const unknown = needs.filter((group) => !(group in groups));
    if (unknown.length) throw new Error(`scripts/function-roles.js: function "${name}" names unknown permission groups ${unknown.join(', ')}`);
    Resources[roleId(name)] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        Policies: [
          {
            PolicyName: `${name}-permissions`,
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                // Its own log group only (the framework creates the group; the function writes streams into it).
                allow('OwnLogGroup', ['logs:CreateLogStream', 'logs:PutLogEvents'], sub(`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${service}-${stage}-${name}:*`)),
                ...needs.flatMap((group) => groups[group]),
              ],
            },
          },
        ],
      },
    };
  }
  return { Resources };
};
