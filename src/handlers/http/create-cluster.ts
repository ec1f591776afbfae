import { accessPolicy } from '../../composition/access';
import { createClusterDeps, planClusterDeps, type Dependencies } from '../../composition/dependencies';
import { clusterStore, dynamoDBClient, quotaLedger } from '../../composition/dynamodb';
import { idempotentRunner } from '../../composition/idempotency';
import { createExecutionPrefix, workflowStarter } from '../../composition/stepfunctions';
import { webhookRegistration } from '../../composition/webhooks';
import { loadConfig } from '../../config';
import { systemClock } from '../../use-cases/ports';
import { BadRequestError, ValidationError } from '../../domain/errors';
import { createCluster } from '../../use-cases/create-cluster';
import { planCluster } from '../../use-cases/plan-cluster';
import { lazyHandler } from '../lazy';
import { clusterRequestSchema } from './api-schemas';
import { httpHandler } from './http-handler';
import { json, jsonBody, parseOrThrow } from './middleware';
import { principalOf } from './principal';
import { clusterResource } from './representation';
import { idempotencyKeyRule } from './route-parameters';

/**
 * POST /clusters → 202 with the cluster in CREATING (429 over quota); `Idempotency-Key` makes a retry safe.
 * POST /clusters?dryRun=true → 200 with the plan (resources, quota, cost) after the same checks; nothing is written.
 */
export type CreateClusterHandlerDeps = Pick<Dependencies, 'config' | 'clock' | 'store' | 'workflows' | 'idempotent' | 'webhooks' | 'createExecutionPrefix' | 'quotas' | 'access'>;

/** `dryRun=true` plans, `false` or absent creates; anything else is refused rather than guessed. */
function dryRunOf(value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new ValidationError('The dryRun query parameter is not valid.', { errors: [{ field: 'dryRun', message: 'must be true or false' }] });
}

export function createClusterHandler(deps: CreateClusterHandlerDeps) {
  return httpHandler(async (event, context) => {
    const owner = principalOf(event);
    const dryRun = dryRunOf(event.queryStringParameters?.dryRun);
    const request = parseOrThrow(clusterRequestSchema, event.jsonBody, 'cluster request');
    // Before the idempotency layer: a plan writes nothing, so it takes no idempotency record (and replays none), even
    // when the caller sends an Idempotency-Key.
    if (dryRun) return json(200, await planCluster(planClusterDeps(deps), { owner, request }));
    const idempotencyKey = event.headers?.['idempotency-key'];
    const create = async () => {
      const { cluster, webhookSecret } = await createCluster(createClusterDeps(deps), { owner, request, idempotencyKey });
      return json(202, { ...clusterResource(cluster), webhookSecret }, { location: `/clusters/${cluster.id}` });
    };

    if (idempotencyKey === undefined) return create();
    if (!idempotencyKeyRule.pattern.test(idempotencyKey)) {
      throw new BadRequestError('The Idempotency-Key header is not valid.', { errors: [{ field: 'Idempotency-Key', message: idempotencyKeyRule.message }] });
    }
    // Two layers: Powertools replays the stored answer (and says 409 while an attempt is in flight) for as long as its
    // record lives; the cluster id derived from owner + key carries the promise past a crash and past that record.
    return deps.idempotent({ owner, idempotencyKey, fingerprint: event.jsonBody }, context, create);
  }, { access: deps.access }).use(jsonBody());
}

export const handler = lazyHandler(() => {
  const config = loadConfig();
  const dynamodb = dynamoDBClient(config);
  return createClusterHandler({
    config,
    clock: systemClock,
    store: clusterStore(config, dynamodb),
    idempotent: idempotentRunner(config, dynamodb),
    workflows: workflowStarter(config),
    webhooks: webhookRegistration(config),
    createExecutionPrefix: createExecutionPrefix(config),
    quotas: quotaLedger(config, dynamodb),
    access: accessPolicy(config),
  });
});
