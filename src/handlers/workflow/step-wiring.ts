/**
 * The dependency kits the workflow functions' entry points build, one per kind of need. Only those entry files import
 * this module, and each takes only the kits it uses, so a function's bundle carries only its own clients (the steps
 * modules and the registry never import it). The webhook sender is not here: importing it brings undici into a
 * bundle whether or not it is called, so only deliver-webhook/attempt-delivery.ts builds it.
 */
import { chatFollowUps } from '../../composition/chat';
import { stackGateway, stackReader } from '../../composition/cloudformation';
import { clusterStore, deliveryStore, dynamoDBClient, quotaLedger } from '../../composition/dynamodb';
import { instanceInventory } from '../../composition/ec2';
import { deliveryWorkflow } from '../../composition/stepfunctions';
import type { Config } from '../../config';
import { systemClock } from '../../use-cases/ports';

/** Creates or deletes the cluster's stack. */
export const stackDeps = (config: Config) => ({ config, clock: systemClock, store: clusterStore(config), stacks: stackGateway(config) });

/** Only reads the stack. */
export const watchDeps = (config: Config) => ({ config, clock: systemClock, store: clusterStore(config), stacks: stackReader() });

/** Moves a cluster to an end state: its record, the owner's quota, and the chat follow-up. */
export const transitionDeps = (config: Config) => {
  const dynamodb = dynamoDBClient(config);
  return { config, clock: systemClock, store: clusterStore(config, dynamodb), quotas: quotaLedger(config, dynamodb), followUps: chatFollowUps(config) };
};

/** Records a stack's outcome: a transition, plus the stack's outputs and the instances it made. */
export const outcomeDeps = (config: Config) => ({ ...transitionDeps(config), stacks: stackReader(), instances: instanceInventory() });

/** Proves a deleted cluster's instances are gone. */
export const inventoryDeps = (config: Config) => ({ config, clock: systemClock, store: clusterStore(config), instances: instanceInventory() });

/** Writes to the delivery log. */
export const deliveryDeps = (config: Config) => {
  const dynamodb = dynamoDBClient(config);
  return { config, clock: systemClock, store: clusterStore(config, dynamodb), deliveries: deliveryStore(config, dynamodb) };
};

/** Hands a webhook event to the deliver-webhook workflow. */
export const notifyDeps = (config: Config) => ({ ...deliveryDeps(config), deliveryWorkflow: deliveryWorkflow(config) });
