/**
 * UpdateStack, CancelUpdateStack and ContinueUpdateRollback: a stack walks from one revision (template, parameters,
 * resources) to the next, and back when the update fails, with CloudFormation's statuses and events
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html):
 *   UPDATE_IN_PROGRESS → UPDATE_COMPLETE_CLEANUP_IN_PROGRESS → UPDATE_COMPLETE, and on a failure
 *   UPDATE_ROLLBACK_IN_PROGRESS → UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS → UPDATE_ROLLBACK_COMPLETE (or
 *   UPDATE_ROLLBACK_FAILED, which ContinueUpdateRollback resumes).
 * An auto-scaling group follows its UpdatePolicy (AutoScalingRollingUpdate,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html): a change of its
 * sizes scales it (out into the least-populated zone, in through its termination lifecycle hook); a change of its
 * launch template replaces every instance in batches of MaxBatchSize, new instances first while MaxSize allows
 * (MinInstancesInService stays in service), each new one joining and signalling before the old ones drain, leave
 * and terminate. What the nodes do between EC2's states (join, drain, leave, complete the hook) is reported as node
 * activity (console lines), in order with the EC2 and Auto Scaling events.
 */
import { randomUUID } from 'node:crypto';
import { AUTO_SCALING_GROUP, desiredCapacity, groupSize, launchRequest, launchSignature } from './auto-scaling';
import type { LaunchSlot } from './fleet';
import { faultReason, markResource, markStack, recordLaunch, type LifecycleContext } from './stack-lifecycle';
import { resourcesIn, type Stack, type StackResourceState, type StackRevision } from './stack-model';
import type { ProvisionedResource } from './template-instance';

/** Simulated milliseconds at time scale 1 (see PACE in stack-lifecycle.ts for the create and delete pace). */
export const UPDATE_PACE = {
  /** A resource that is not a group (a launch template's new version, a security group rule) updates in this long. */
  resource: 400,
  /** A new instance is `running` this long after `pending`. */
  boot: 1_500,
  /** From `running` to joined the swarm and signalled CloudFormation. */
  join: 1_000,
  /** A leaving node drains its tasks this long (the template allows 120 s; compressed here like everything else). */
  drain: 2_000,
  /** Demote (managers), leave the swarm and complete the lifecycle action. */
  leave: 500,
  /** From the termination (`shutting-down`) to the end of Auto Scaling's terminate activity, when the next batch starts. */
  terminateActivity: 500,
  /** Deleting a resource the update removes (or a rollback removes again). */
  cleanup: 500,
} as const;

/** The stack statuses UpdateStack accepts (AWS: any *_COMPLETE except ROLLBACK_COMPLETE and DELETE_COMPLETE). */
export const UPDATABLE = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE']);

/** The statuses of a stack an update runs in: DeleteStack waits for none of them, it is refused. */
export const UPDATING = new Set([
  'UPDATE_IN_PROGRESS',
  'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
  'UPDATE_ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
]);

/** Timers of one update (or rollback) run, cancelled together; a throw in a step fails the update, not the process. */
class Run {
  private cancelled = false;
  private readonly pending = new Set<() => void>();

  constructor(
    private readonly context: LifecycleContext,
    private readonly onFault: (error: unknown) => void,
  ) {}

  after(delay: number, step: () => void): void {
    if (this.cancelled) return;
    const cancel = this.context.scheduler.after(delay, () => {
      this.pending.delete(cancel);
      if (this.cancelled) return;
      try {
        step();
      } catch (error) {
        this.onFault(error);
      }
    });
    this.pending.add(cancel);
  }

  get active(): boolean {
    return !this.cancelled;
  }

  cancel(): void {
    this.cancelled = true;
    for (const cancel of this.pending) cancel();
    this.pending.clear();
  }
}

const isGroup = (resource: StackResourceState): boolean => resource.type === AUTO_SCALING_GROUP;

const byId = (stack: Stack): Map<string, StackResourceState> => new Map(stack.resources.map((resource) => [resource.logicalId, resource]));

/** Gives the resource the properties of a revision (its version of the template). */
const applyRevision = (resource: StackResourceState, revision: ProvisionedResource | undefined): void => {
  if (!revision) return;
  resource.properties = revision.properties;
  resource.attributes = revision.attributes;
  resource.dependsOn = revision.dependsOn;
  if (revision.rollingUpdate) resource.rollingUpdate = revision.rollingUpdate;
  else delete resource.rollingUpdate;
  if (revision.signalCount !== undefined) resource.signalCount = revision.signalCount;
  else delete resource.signalCount;
};

const sameProperties = (resource: StackResourceState, revision: ProvisionedResource | undefined): boolean =>
  revision !== undefined && JSON.stringify(resource.properties) === JSON.stringify(revision.properties) && JSON.stringify(resource.attributes) === JSON.stringify(revision.attributes);

/** The stack's parameters, template and tags of a revision (outputs change at the end, with the cleanup). */
const adoptRevision = (stack: Stack, revision: StackRevision): void => {
  stack.parameters = revision.parameters;
  stack.parameterValues = revision.parameterValues;
  stack.templateBody = revision.templateBody;
  stack.tags = revision.tags;
  if (revision.description !== undefined) stack.description = revision.description;
  else delete stack.description;
};

/** Starts the update that Stacks.update planned on `stack.update`. */
export const startUpdate = (stack: Stack, context: LifecycleContext): void => {
  const update = stack.update;
  if (!update) return;
  stack.operation?.cancel();
  adoptRevision(stack, update.target);
  markStack(context, stack, 'UPDATE_IN_PROGRESS', 'User Initiated');
  runForward(stack, context);
};

/** The resources a run goes through: first everything else (staggered), then the groups together. */
const runResources = (
  stack: Stack,
  context: LifecycleContext,
  run: Run,
  ids: readonly string[],
  revision: StackRevision,
  steps: {
    begin: (resource: StackResourceState) => void;
    complete: (resource: StackResourceState) => void;
    failSignal: (resource: StackResourceState) => boolean;
    onGroupFailure: (resource: StackResourceState, reason: string) => void;
    done: () => void;
  },
): void => {
  const resources = byId(stack);
  const targets = ids.flatMap((id) => resources.get(id) ?? []);
  const others = targets.filter((resource) => !isGroup(resource));
  const groups = targets.filter(isGroup);
  others.forEach((resource, index) => {
    run.after(index * (UPDATE_PACE.resource / 2), () => {
      steps.begin(resource);
      applyRevision(resource, revision.resources[resource.logicalId]);
    });
    run.after(index * (UPDATE_PACE.resource / 2) + UPDATE_PACE.resource, () => steps.complete(resource));
  });
  const groupsStart = others.length === 0 ? 0 : (others.length - 1) * (UPDATE_PACE.resource / 2) + UPDATE_PACE.resource + 1;
  run.after(groupsStart, () => {
    let remaining = groups.length;
    if (remaining === 0) {
      steps.done();
      return;
    }
    for (const group of groups) {
      steps.begin(group);
      applyRevision(group, revision.resources[group.logicalId]);
      convergeGroup(stack, group, context, run, {
        failSignal: steps.failSignal(group),
        onFailure: (reason) => steps.onGroupFailure(group, reason),
        onDone: () => {
          steps.complete(group);
          remaining -= 1;
          if (remaining === 0) steps.done();
        },
      });
    }
  });
};

const runForward = (stack: Stack, context: LifecycleContext): void => {
  const update = stack.update;
  if (!update) return;
  const run: Run = new Run(context, (error) => failUpdate(stack, context, update.failing ?? update.modified[0], faultReason(undefined, error)));
  stack.operation = run;
  const added = new Set(update.added);
  // A forward run after a restart carries on: what already has its new properties and is complete is not done again.
  const todo = [...update.added, ...update.modified].filter((id) => {
    const resource = byId(stack).get(id);
    if (!resource) return false;
    const done = (resource.status === 'UPDATE_COMPLETE' || resource.status === 'CREATE_COMPLETE') && sameProperties(resource, update.target.resources[id]);
    return !done;
  });
  let failSignalArmed = update.failing !== undefined;
  runResources(stack, context, run, todo, update.target, {
    begin: (resource) => markResource(context, stack, resource, added.has(resource.logicalId) ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS', added.has(resource.logicalId) ? 'Resource creation Initiated' : undefined, true),
    complete: (resource) => {
      if (!isGroup(resource) && failSignalArmed && resource.logicalId === update.failing) {
        failUpdate(stack, context, resource.logicalId, `Resource handler returned message: "Simulated failure updating ${resource.type}" (RequestToken: ${randomUUID()}, HandlerErrorCode: GeneralServiceException)`);
        return;
      }
      markResource(context, stack, resource, added.has(resource.logicalId) ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE');
    },
    failSignal: (resource) => {
      if (!failSignalArmed || resource.logicalId !== update.failing) return false;
      failSignalArmed = false;
      return true;
    },
    onGroupFailure: (resource, reason) => failUpdate(stack, context, resource.logicalId, reason),
    done: () => cleanUpForward(stack, context, run),
  });
};

const cleanUpForward = (stack: Stack, context: LifecycleContext, run: Run): void => {
  const update = stack.update;
  if (!update) return;
  markStack(context, stack, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', undefined);
  stack.outputs = update.target.outputs;
  const removed = update.removed.flatMap((id) => byId(stack).get(id) ?? []).filter((resource) => resource.status !== undefined);
  removeResources(stack, context, run, removed, () => {
    stack.resources = stack.resources.filter((resource) => !update.removed.includes(resource.logicalId));
    delete stack.update;
    markStack(context, stack, 'UPDATE_COMPLETE', undefined);
  });
};

const removeResources = (stack: Stack, context: LifecycleContext, run: Run, resources: readonly StackResourceState[], done: () => void): void => {
  run.after(UPDATE_PACE.cleanup / 2, () => {
    for (const resource of resources) {
      markResource(context, stack, resource, 'DELETE_IN_PROGRESS');
      context.fleet.terminate(resource.instanceIds, 'User initiated');
    }
  });
  run.after(UPDATE_PACE.cleanup, () => {
    for (const resource of resources) markResource(context, stack, resource, 'DELETE_COMPLETE');
    done();
  });
};

/**
 * The update failed on `failedId` (or was cancelled: no resource): what is in flight is cancelled, and the stack rolls
 * back to its previous revision. CloudFormation names every resource that did not update in the rollback's reason.
 */
export const failUpdate = (stack: Stack, context: LifecycleContext, failedId: string | undefined, reason: string | undefined): void => {
  const update = stack.update;
  if (!update) return;
  stack.operation?.cancel();
  const failed = failedId === undefined ? undefined : byId(stack).get(failedId);
  const added = new Set(update.added);
  if (failed && reason !== undefined) markResource(context, stack, failed, added.has(failed.logicalId) ? 'CREATE_FAILED' : 'UPDATE_FAILED', reason);
  const cancelled = resourcesIn(stack, 'UPDATE_IN_PROGRESS', 'CREATE_IN_PROGRESS');
  for (const resource of cancelled) {
    const creating = resource.status === 'CREATE_IN_PROGRESS';
    markResource(context, stack, resource, creating ? 'CREATE_FAILED' : 'UPDATE_FAILED', creating ? 'Resource creation cancelled' : 'Resource update cancelled');
  }
  const names = [...(failed && reason !== undefined ? [failed] : []), ...cancelled].map((resource) => resource.logicalId);
  const stackReason = reason === undefined ? 'Stack update cancelled' : `The following resource(s) failed to update: [${names.join(', ')}]. `;
  markStack(context, stack, 'UPDATE_ROLLBACK_IN_PROGRESS', stackReason);
  runRollback(stack, context);
};

/** Back to the previous revision: what the update changed is changed back, what it added is deleted. */
export const runRollback = (stack: Stack, context: LifecycleContext): void => {
  const update = stack.update;
  if (!update) return;
  const previous = update.previous;
  adoptRevision(stack, previous);
  const resources = byId(stack);
  const revert = update.modified.filter((id) => {
    const resource = resources.get(id);
    if (!resource) return false;
    if (!sameProperties(resource, previous.resources[id])) return true;
    // A group whose properties are back may still run instances of the update (a rollback that was interrupted).
    return isGroup(resource) && liveInstances(context, resource).some((instance) => resource.launchSignatures?.[instance] !== launchSignature(resource));
  });
  const run: Run = new Run(context, (error) => failRollback(stack, context, revert[0], faultReason(undefined, error)));
  stack.operation = run;
  let failArmed = update.rollbackFailing !== undefined;
  runResources(stack, context, run, revert, previous, {
    begin: (resource) => markResource(context, stack, resource, 'UPDATE_IN_PROGRESS', undefined, true),
    complete: (resource) => markResource(context, stack, resource, 'UPDATE_COMPLETE'),
    failSignal: (resource) => {
      if (!failArmed || resource.logicalId !== update.rollbackFailing) return false;
      failArmed = false;
      delete update.rollbackFailing;
      return true;
    },
    onGroupFailure: (resource, reason) => failRollback(stack, context, resource.logicalId, reason),
    done: () => {
      markStack(context, stack, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', undefined);
      stack.outputs = previous.outputs;
      const created = update.added.flatMap((id) => resources.get(id) ?? []).filter((resource) => resource.status !== undefined && resource.status !== 'DELETE_COMPLETE');
      removeResources(stack, context, run, created, () => {
        const order = Object.keys(previous.resources);
        stack.resources = order.flatMap((id) => resources.get(id) ?? []);
        delete stack.update;
        markStack(context, stack, 'UPDATE_ROLLBACK_COMPLETE', undefined);
      });
    },
  });
};

const failRollback = (stack: Stack, context: LifecycleContext, failedId: string | undefined, reason: string): void => {
  stack.operation?.cancel();
  const failed = failedId === undefined ? undefined : byId(stack).get(failedId);
  if (failed) markResource(context, stack, failed, 'UPDATE_FAILED', reason);
  const cancelled = resourcesIn(stack, 'UPDATE_IN_PROGRESS');
  for (const resource of cancelled) markResource(context, stack, resource, 'UPDATE_FAILED', 'Resource update cancelled');
  const names = [...(failed ? [failed] : []), ...cancelled].map((resource) => resource.logicalId);
  markStack(context, stack, 'UPDATE_ROLLBACK_FAILED', `The following resource(s) failed to update: [${names.join(', ')}]. `);
};

/** ContinueUpdateRollback: the rollback runs again from where the stack is. */
export const continueRollback = (stack: Stack, context: LifecycleContext): void => {
  markStack(context, stack, 'UPDATE_ROLLBACK_IN_PROGRESS', undefined);
  runRollback(stack, context);
};

/** After a restart: an update or rollback in flight carries on from what the stack and its instances show. */
export const resumeUpdate = (stack: Stack, context: LifecycleContext): void => {
  for (const group of stack.resources.filter(isGroup)) {
    // The timers of the lifecycle hooks did not survive the restart: those instances finish terminating now.
    context.fleet.terminate(group.leaving ?? [], 'User initiated');
    delete group.leaving;
  }
  const run = new Run(context, () => undefined);
  if (stack.status === 'UPDATE_IN_PROGRESS') runForward(stack, context);
  else if (stack.status === 'UPDATE_ROLLBACK_IN_PROGRESS') runRollback(stack, context);
  else if (stack.status === 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS') cleanUpForward(stack, context, run);
  else if (stack.status === 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS') {
    markStack(context, stack, 'UPDATE_ROLLBACK_IN_PROGRESS', undefined);
    runRollback(stack, context);
  }
};

// ---------------------------------------------------------------------------------------------------------------
// One auto-scaling group converging on its properties: scale in, replace obsolete instances, scale out.

interface ConvergeOptions {
  /** The first instance that would signal signals FAILURE instead (the `update-fail` fault). */
  failSignal: boolean;
  onFailure: (reason: string) => void;
  onDone: () => void;
}

const liveInstances = (context: LifecycleContext, group: StackResourceState): string[] =>
  group.instanceIds.filter((id) => {
    const instance = context.fleet.get(id);
    return (instance?.state === 'pending' || instance?.state === 'running') && !group.leaving?.includes(id);
  });

const roleOf = (group: StackResourceState): string => {
  const tags = Array.isArray(group.properties['Tags']) ? (group.properties['Tags'] as Record<string, unknown>[]) : [];
  const role = tags.find((tag) => tag['Key'] === 'swarm-provisioner:role')?.['Value'];
  return typeof role === 'string' ? role : 'node';
};

const terminationHook = (group: StackResourceState): string | undefined => {
  const hooks = Array.isArray(group.properties['LifecycleHookSpecificationList'])
    ? (group.properties['LifecycleHookSpecificationList'] as Record<string, unknown>[])
    : [];
  const hook = hooks.find((candidate) => candidate['LifecycleTransition'] === 'autoscaling:EC2_INSTANCE_TERMINATING');
  return typeof hook?.['LifecycleHookName'] === 'string' ? hook['LifecycleHookName'] : undefined;
};

const convergeGroup = (stack: Stack, group: StackResourceState, context: LifecycleContext, run: Run, options: ConvergeOptions): void => {
  const report = (instanceId: string, activity: string, terminationHook?: string): void =>
    context.onNodeActivity?.({ stackName: stack.name, groupName: group.physicalId, instanceId, activity, time: new Date(), ...(terminationHook ? { terminationHook } : {}) });
  const progress = (reason: string): void => markResource(context, stack, group, 'UPDATE_IN_PROGRESS', reason);
  const signature = (): string => launchSignature(group);
  const obsolete = (ids: readonly string[]): string[] => ids.filter((id) => (group.launchSignatures?.[id] ?? signature()) !== signature());
  const policy = group.rollingUpdate;
  const waitsForSignals = policy?.waitOnResourceSignals === true || group.signalCount !== undefined;
  const pauseTime = policy?.pauseTime ?? 'PT5M';
  let failSignal = options.failSignal;
  let rolling: { total: number; replaced: number } | undefined;

  const zoneOf = (id: string): string | undefined => context.fleet.get(id)?.availabilityZone;
  const groupContext = () => ({ region: context.region, stackName: stack.name, stackId: stack.id, stackTags: stack.tags, resources: stack.resources });

  /** Launches one instance per zone given (undefined: the least-populated of the group's zones at that moment). */
  const launch = (zones: readonly (string | undefined)[]): string[] => {
    const request = launchRequest(group, groupContext());
    const launched: string[] = [];
    for (const zone of zones) {
      const live = liveInstances(context, group);
      const count = (slot: LaunchSlot): number => live.filter((id) => zoneOf(id) === slot.availabilityZone).length;
      const slot = request.slots.find((candidate) => candidate.availabilityZone === zone) ?? [...request.slots].sort((a, b) => count(a) - count(b))[0];
      if (!slot) break;
      const [instance] = context.fleet.launch({ ...request, count: 1, slots: [slot] }, UPDATE_PACE.boot);
      if (!instance) continue;
      recordLaunch(group, [instance.instanceId]);
      launched.push(instance.instanceId);
    }
    return launched;
  };

  /** New instances boot, join the swarm and signal; a FAILURE signal (the fault) fails the group. */
  const awaitSignals = (ids: readonly string[], then: () => void): void => {
    run.after(UPDATE_PACE.boot + (waitsForSignals ? UPDATE_PACE.join : 0), () => {
      if (!waitsForSignals) {
        then();
        return;
      }
      for (const id of ids) {
        if (context.fleet.get(id)?.state !== 'running') continue;
        if (failSignal) {
          failSignal = false;
          // Its console output says why, as a node of a create's `rollback` fault does (console-output.ts).
          const instance = context.fleet.get(id);
          if (instance) instance.bootFailure = true;
          report(id, 'could not join the swarm: signalled FAILURE');
          group.neverJoined = [...(group.neverJoined ?? []), id];
          progress(`Received FAILURE signal with UniqueId ${id}`);
          options.onFailure(`Received 1 FAILURE signal(s) out of ${ids.length}. Unable to satisfy 100% MinSuccessfulInstancesPercent requirement`);
          return;
        }
        report(id, `joined the swarm as ${roleOf(group)}: signalled SUCCESS`);
        progress(`Received SUCCESS signal with UniqueId ${id}`);
      }
      then();
    });
  };

  /**
   * Terminations go through the group's termination lifecycle hook: the node drains, (a manager is demoted,) leaves
   * the swarm and completes the lifecycle action; only then does EC2 shut it down. Those steps are the instance's,
   * not the update's: a cancelled update does not stop them.
   */
  const retire = (ids: readonly string[], then: () => void): void => {
    const hook = terminationHook(group);
    group.leaving = [...(group.leaving ?? []), ...ids];
    const finish = (): void => {
      group.leaving = (group.leaving ?? []).filter((id) => !ids.includes(id));
      context.fleet.terminate(ids, 'User initiated');
    };
    if (hook === undefined) {
      finish();
    } else {
      for (const id of ids) report(id, `Terminating:Wait (lifecycle hook ${hook})`, hook);
      // A node that never joined (it signalled FAILURE) has nothing to drain and no swarm to leave.
      const joined = (id: string): boolean => !group.neverJoined?.includes(id);
      context.scheduler.after(UPDATE_PACE.drain, () => {
        for (const id of ids.filter(joined)) {
          report(id, 'draining: tasks moved');
          if (roleOf(group) === 'manager') report(id, 'demoted to worker');
        }
      });
      context.scheduler.after(UPDATE_PACE.drain + UPDATE_PACE.leave, () => {
        for (const id of ids) {
          report(id, joined(id) ? 'left the swarm' : 'not in the swarm: nothing to drain');
          report(id, `lifecycle action ${hook}: CONTINUE`);
        }
        group.neverJoined = (group.neverJoined ?? []).filter((id) => !ids.includes(id));
        finish();
      });
    }
    run.after((hook === undefined ? 0 : UPDATE_PACE.drain + UPDATE_PACE.leave) + UPDATE_PACE.terminateActivity, then);
  };

  /** Auto Scaling's default termination policy: obsolete launch template first, then the fullest zone, then the oldest. */
  const pickToRetire = (candidates: readonly string[], count: number): string[] => {
    const chosen: string[] = [];
    const remaining = [...candidates];
    const stale = new Set(obsolete(candidates));
    while (chosen.length < count && remaining.length > 0) {
      const staying = liveInstances(context, group).filter((id) => !chosen.includes(id));
      const perZone = (id: string): number => staying.filter((other) => zoneOf(other) === zoneOf(id)).length;
      const sequence = (id: string): number => context.fleet.get(id)?.sequence ?? 0;
      remaining.sort((a, b) => Number(stale.has(b)) - Number(stale.has(a)) || perZone(b) - perZone(a) || sequence(a) - sequence(b));
      const next = remaining.shift();
      if (next !== undefined) chosen.push(next);
    }
    return chosen;
  };

  const step = (): void => {
    const desired = desiredCapacity(group);
    const live = liveInstances(context, group);
    const stale = obsolete(live);
    if (live.length > desired) {
      retire(pickToRetire(live, live.length - desired), step);
      return;
    }
    if (stale.length > 0) {
      replaceBatch(live, stale, desired);
      return;
    }
    if (live.length < desired) {
      awaitSignals(launch(Array.from({ length: desired - live.length }, () => undefined)), step);
      return;
    }
    if (failSignal) {
      // The fault was armed for a group that launched nothing: it fails as its update call would.
      failSignal = false;
      options.onFailure(`Resource handler returned message: "Simulated failure updating ${group.type}" (RequestToken: ${randomUUID()}, HandlerErrorCode: GeneralServiceException)`);
      return;
    }
    options.onDone();
  };

  const replaceBatch = (live: readonly string[], stale: readonly string[], desired: number): void => {
    const maxBatch = policy?.maxBatchSize ?? 1;
    const minInService = Math.min(policy?.minInstancesInService ?? 0, desired);
    const maxSize = groupSize(group, 'MaxSize') || live.length + maxBatch;
    let batch = Math.min(maxBatch, stale.length);
    const surge = Math.min(batch, Math.max(0, maxSize - live.length));
    // Never fewer than MinInstancesInService in service: with too little room above, smaller batches.
    if (live.length + surge - batch < minInService) batch = Math.max(1, live.length + surge - minInService);
    if (!rolling) {
      rolling = { total: stale.length, replaced: 0 };
      progress(
        `Rolling update initiated. Terminating ${stale.length} obsolete instance(s) in batches of ${batch}, while keeping at least ${minInService} instance(s) in service.` +
          (waitsForSignals ? ` Waiting on resource signals with a timeout of ${pauseTime} when new instances are added to the autoscaling group.` : ''),
      );
    }
    const old = [...stale].sort((a, b) => (context.fleet.get(a)?.sequence ?? 0) - (context.fleet.get(b)?.sequence ?? 0)).slice(0, batch);
    const surgeCount = Math.min(surge, batch);
    const afterTermination = (): void => {
      const state = rolling ?? { total: old.length, replaced: 0 };
      state.replaced += old.length;
      progress(`Successfully terminated instance(s) [${old.join(',')}] (Progress ${Math.round((100 * state.replaced) / Math.max(1, state.total))}%).`);
      const rest = old.slice(surgeCount).map(zoneOf);
      if (rest.length === 0) {
        step();
        return;
      }
      progress(`New instance(s) added to autoscaling group - Waiting on ${rest.length} resource signal(s) with a timeout of ${pauseTime}.`);
      awaitSignals(launch(rest), step);
    };
    const terminateOld = (): void => {
      progress(`Terminating instance(s) [${old.join(',')}]; replacing with ${old.length - surgeCount} new instance(s).`);
      retire(old, afterTermination);
    };
    if (surgeCount === 0) {
      terminateOld();
      return;
    }
    progress(`Temporarily setting autoscaling group MinSize and DesiredCapacity to ${live.length + surgeCount}.`);
    const fresh = launch(old.slice(0, surgeCount).map(zoneOf));
    progress(`New instance(s) added to autoscaling group - Waiting on ${fresh.length} resource signal(s) with a timeout of ${pauseTime}.`);
    awaitSignals(fresh, terminateOld);
  };

  step();
};
