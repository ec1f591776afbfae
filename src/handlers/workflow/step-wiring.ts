/**
 * The dependency kits the workflow functions' entry points build, one per kind of need. Only those entry files import
 * this module, and each takes only the kits it uses, so a function's bundle carries only its own clients (the steps
 * modules and the registry never import it). The webhook sender is not here: importing it brings undici into a
 * bundle whether or not it is called, so only deliver-webhook/attempt-delivery.ts builds it.
 */
import { chatFollowUps } from '../../composition/chat';
import { stackCanceller, stackGateway, stackReader, stackUpdater } from '../../composition/cloudformation';
import { clusterStore, deliveryStore, diagnosticsStore, dynamoDBClient, instanceWaits, quotaLedger, stackWaits } from '../../composition/dynamodb';
import { consoleOutputReader, instanceInventory } from '../../composition/ec2';
import { deliveryWorkflow, taskTokens } from '../../composition/stepfunctions';
import type { Config } from '../../config';
import { systemClock } from '../../use-cases/ports';

/** Creates or deletes the cluster's stack (and opens the wait for it, on the record). */
export const stackDeps = (config: Config) => {
  const dynamodb = dynamoDBClient(config);
  return { config, clock: systemClock, store: clusterStore(config, dynamodb), stacks: stackGateway(config), waits: stackWaits(config, dynamodb) };
};

/** Starts an UpdateStack (and opens the wait for it, on the record). */
export const updateDeps = (config: Config) => ({ config, clock: systemClock, store: clusterStore(config), stackUpdates: stackUpdater(config) });

/** Deletes the cluster's stack, cancelling an update it finds running first. */
export const removalDeps = (config: Config) => ({ ...stackDeps(config), stackUpdates: stackCanceller() });

/** Only reads the stack (and records a final status it sees on the wait). */
export const watchDeps = (config: Config) => {
  const dynamodb = dynamoDBClient(config);
  return { config, clock: systemClock, store: clusterStore(config, dynamodb), stacks: stackReader(), waits: stackWaits(config, dynamodb) };
};

/** Attaches a waiting task's token to the cluster's wait, and resumes it when the outcome is already there. */
export const awaitDeps = (config: Config) => ({ config, waits: stackWaits(config), tokens: taskTokens(config) });

/** Moves a cluster to an end state: its record, the owner's quota, and the chat follow-up. */
export const transitionDeps = (config: Config) => {
  const dynamodb = dynamoDBClient(config);
  return { config, clock: systemClock, store: clusterStore(config, dynamodb), quotas: quotaLedger(config, dynamodb), followUps: chatFollowUps(config) };
};

/** Records a stack's outcome: a transition, plus the stack's outputs and the instances it made. */
export const outcomeDeps = (config: Config) => ({ ...transitionDeps(config), stacks: stackReader(), instances: instanceInventory() });

/** Records FAILED: the outcome, and the failed nodes' diagnostics when nodes did not come up. */
export const failureDeps = (config: Config) => ({ ...outcomeDeps(config), consoleOutput: consoleOutputReader(), diagnostics: diagnosticsStore(config) });

/** Records READY: the outcome, and each instance mapped to the cluster so that EC2's events keep its nodes current. */
export const readyDeps = (config: Config) => {
  const dynamodb = dynamoDBClient(config);
  return { ...outcomeDeps(config), instanceWaits: instanceWaits(config, dynamodb) };
};

/** Records an update's outcome: as READY, plus the diagnostics of the nodes an update launched that did not come up. */
export const updateOutcomeDeps = (config: Config) => ({ ...readyDeps(config), consoleOutput: consoleOutputReader(), diagnostics: diagnosticsStore(config) });

/** Proves a deleted cluster's instances are gone: one look, then a wait for EC2's events. */
export const instanceProofDeps = (config: Config) => {
  const dynamodb = dynamoDBClient(config);
  return { config, clock: systemClock, store: clusterStore(config, dynamodb), instances: instanceInventory(), instanceWaits: instanceWaits(config, dynamodb), tokens: taskTokens(config) };
};

/** Writes to the delivery log. */
export const deliveryDeps = (config: Config) => {
  const dynamodb = dynamoDBClient(config);
  return { config, clock: systemClock, store: clusterStore(config, dynamodb), deliveries: deliveryStore(config, dynamodb) };
};

/** Hands a webhook event to the deliver-webhook workflow. */
export const notifyDeps = (config: Config) => ({ ...deliveryDeps(config), deliveryWorkflow: deliveryWorkflow(config) });
