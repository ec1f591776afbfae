/** Hand-written stand-ins for the use cases' ports (plain function types, not SDK mocks): each records its calls. */
import type { ClusterNode } from '../../src/domain/cluster';
import type { StackEventView } from '../../src/domain/stack';
import type { ChatFollowUps, ClusterStore, InstanceInventory, QuotaLedger, StackDescription, StackGateway, StackUpdates, TaskTokens, WorkflowStarter } from '../../src/use-cases/ports';

export function fakeStacks(stacks: Partial<StackDescription>[] = [], events: StackEventView[] = []) {
  const known = stacks.map((s) => ({ stackId: 'stack-1', stackName: 'swarm-c-1', status: 'CREATE_COMPLETE', outputs: {}, tags: {}, ...s }));
  const deletes: { stack: string; token: string }[] = [];
  const updates: { stack: string; token: string; parameters: Record<string, string> }[] = [];
  const cancels: { stack: string; token: string }[] = [];
  const continues: { stack: string; token: string }[] = [];
  const find = (nameOrId: string) => known.find((s) => s.stackId === nameOrId || s.stackName === nameOrId);
  const stackUpdates: StackUpdates = {
    updateStack: async (request) => {
      updates.push({ stack: request.stackNameOrId, token: request.clientRequestToken, parameters: request.parameters });
      // As CloudFormation: an earlier update's rollback (running, or stuck in UPDATE_ROLLBACK_FAILED) holds the stack.
      const status = find(request.stackNameOrId)?.status ?? '';
      return /^UPDATE_ROLLBACK_(FAILED|IN_PROGRESS|COMPLETE_CLEANUP_IN_PROGRESS)$/.test(status) ? { rollingBack: status } : 'started';
    },
    continueUpdateRollback: async (_region, stack, token) => {
      continues.push({ stack, token });
      const found = find(stack);
      if (found?.status !== 'UPDATE_ROLLBACK_FAILED') return false;
      found.status = 'UPDATE_ROLLBACK_IN_PROGRESS';
      return true;
    },
    cancelUpdateStack: async (_region, stack, token) => {
      cancels.push({ stack, token });
      return known.some((s) => (s.stackId === stack || s.stackName === stack) && s.status === 'UPDATE_IN_PROGRESS');
    },
  };
  const gateway: StackGateway = {
    createStack: async () => 'stack-new',
    describeStack: async (_region, nameOrId) => known.find((s) => (s.stackId === nameOrId || s.stackName === nameOrId) && s.status !== 'DELETE_COMPLETE'),
    listStackEvents: async () => events,
    deleteStack: async (_region, stack, token) => {
      deletes.push({ stack, token });
    },
  };
  return { gateway, stackUpdates, stacks: known, deletes, updates, cancels, continues, events };
}

export function fakeInstances(tagged: Partial<ClusterNode>[] = [], byId: Partial<ClusterNode>[] = []) {
  const node = (n: Partial<ClusterNode>): ClusterNode => ({ instanceId: 'i-1', role: 'worker', availabilityZone: 'us-east-1a', state: 'running', ...n });
  const state = { tagged: tagged.map(node), byId: byId.map(node), byIdCalls: [] as string[][] };
  const inventory: InstanceInventory = {
    instancesOfCluster: async () => state.tagged,
    instancesById: async (_region, ids) => {
      state.byIdCalls.push(ids);
      return state.byId.filter((n) => ids.includes(n.instanceId));
    },
  };
  return { inventory, state, node };
}

export function fakeWorkflows(options: { failStart?: Error; failUpdateStart?: Error } = {}) {
  const started: { clusterId: string; request: number }[] = [];
  const updates: { clusterId: string; updateId: string }[] = [];
  const updateArn = (clusterId: string, updateId: string) => `arn:aws:states:us-east-1:000000000000:execution:update-cluster:${clusterId}-${updateId}`;
  const stopped: string[] = [];
  const running = new Set<string>();
  const arn = (clusterId: string, request: number) => `arn:aws:states:us-east-1:000000000000:execution:delete-cluster:${clusterId}-delete-${request}`;
  const workflows: WorkflowStarter = {
    startCreate: async (clusterId) => `arn:aws:states:us-east-1:000000000000:execution:create-cluster:${clusterId}`,
    deleteExecutionArn: arn,
    startDelete: async (clusterId, request) => {
      if (options.failStart) throw options.failStart;
      // Same name, same execution: only a first start counts as starting something.
      if (!running.has(arn(clusterId, request))) started.push({ clusterId, request });
      running.add(arn(clusterId, request));
      return arn(clusterId, request);
    },
    updateExecutionArn: updateArn,
    startUpdate: async (clusterId, updateId) => {
      if (options.failUpdateStart) throw options.failUpdateStart;
      if (!updates.some((u) => u.clusterId === clusterId && u.updateId === updateId)) updates.push({ clusterId, updateId });
      return updateArn(clusterId, updateId);
    },
    stop: async (executionArn) => {
      stopped.push(executionArn);
    },
  };
  return { workflows, started, stopped, updates };
}

/** A quota ledger that records what was given back (the lifecycle releases a share when a cluster is DELETED). */
export function fakeQuotas(options: { refuseAdjust?: Error } = {}) {
  const released: { owner: string; clusterId: string; instances: number }[] = [];
  const adjusted: { owner: string; clusterId: string; from: number; to: number }[] = [];
  const quotas: QuotaLedger = {
    acquire: async () => undefined,
    release: async (owner, hold) => {
      if (released.some((r) => r.clusterId === hold.clusterId)) return false;
      released.push({ owner, ...hold });
      return true;
    },
    adjust: async (owner, change) => {
      if (options.refuseAdjust && change.to > change.from) throw options.refuseAdjust;
      adjusted.push({ owner, ...change });
      return true;
    },
    usage: async () => ({ activeClusters: 0, instances: 0 }),
  };
  return { quotas, released, adjusted };
}

/** Chat follow-ups that record which clusters were announced, and in which status. */
export function fakeFollowUps() {
  const announced: { clusterId: string; status: string; responseUrl?: string }[] = [];
  const followUps: ChatFollowUps = {
    announce: async (cluster) => {
      announced.push({ clusterId: cluster.id, status: cluster.status, responseUrl: cluster.followUp?.responseUrl });
    },
  };
  return { followUps, announced };
}

/**
 * Step Functions' task-token callbacks, recording each answer. A token answered once is spent: a second answer
 * returns false, as SendTaskSuccess's TaskTimedOut/InvalidToken would be swallowed by the adapter.
 */
export function fakeTokens() {
  const answers: { token: string; kind: 'success' | 'failure' | 'heartbeat'; output?: unknown; error?: string; cause?: string }[] = [];
  const spent = new Set<string>();
  const answer = async (token: string, entry: Omit<(typeof answers)[number], 'token'>) => {
    if (spent.has(token)) return false;
    if (entry.kind !== 'heartbeat') spent.add(token);
    answers.push({ token, ...entry });
    return true;
  };
  const tokens: TaskTokens = {
    succeed: (token, output) => answer(token, { kind: 'success', output }),
    fail: (token, error, cause) => answer(token, { kind: 'failure', error, cause }),
    heartbeat: (token) => answer(token, { kind: 'heartbeat' }),
  };
  return { tokens, answers, spent };
}

/**
 * The store, but every update from the `failingFrom`-th on (counted from 1) throws `error`: a write that goes through,
 * then the one that would put it back failing. `updates()` says how many were tried.
 */
export function storeFailingUpdates(store: ClusterStore, failingFrom: number, error: Error) {
  let updates = 0;
  const failing: ClusterStore = {
    ...store,
    update: async (cluster, changes) => {
      updates += 1;
      if (updates >= failingFrom) throw error;
      return store.update(cluster, changes);
    },
  };
  return { store: failing, updates: () => updates };
}
