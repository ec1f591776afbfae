/**
 * CloudFormation, for the use cases: create a stack from the Swarm template through the service role, read its
 * status, outputs and events, delete it. One client per region, created on first use.
 */
import {
  AlreadyExistsException,
  CancelUpdateStackCommand,
  ContinueUpdateRollbackCommand,
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type StackEvent,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { StackAlreadyExistsError } from '../../domain/errors';
import type { StackEventView } from '../../domain/stack';
import { plannedResourceCount } from '../../domain/stack-wait';
import type { StackGateway, StackReader, StackUpdates } from '../../use-cases/ports';
import { classifyAwsError } from '../aws-errors';
import { clientsByRegion } from '../clients-by-region';

/** How many pages of stack events we read at most when looking for a root cause (100 events a page). */
const MAX_EVENT_PAGES = 10;

function isMissingStack(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message);
}

/** UpdateStack's answer when the template and parameters are what the stack already has (a ValidationError). */
function isNoUpdate(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationError' && /No updates are to be performed/i.test(error.message);
}

/**
 * UpdateStack's ValidationError for a stack an earlier update's rollback holds: "Stack:<id> is in
 * UPDATE_ROLLBACK_FAILED state and can not be updated." (the same words for the rollback's *_IN_PROGRESS statuses).
 * The status, or undefined for any other error.
 */
function rollbackHolding(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'ValidationError') return undefined;
  return /is in (UPDATE_ROLLBACK_(?:FAILED|IN_PROGRESS|COMPLETE_CLEANUP_IN_PROGRESS)) state and can ?not be updated/i.exec(error.message)?.[1];
}

/** CancelUpdateStack's answer outside UPDATE_IN_PROGRESS (a ValidationError): nothing to cancel. */
function isNothingToCancel(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationError' && /cannot be called from current stack status/i.test(error.message);
}

function toEventView(event: StackEvent): StackEventView {
  return {
    timestamp: (event.Timestamp ?? new Date(0)).toISOString(),
    logicalResourceId: event.LogicalResourceId ?? '',
    resourceType: event.ResourceType ?? '',
    resourceStatus: event.ResourceStatus ?? '',
    resourceStatusReason: event.ResourceStatusReason,
  };
}

/** The template parameter that carries the node roles' permissions boundary (templates/swarm.yaml). */
export const PERMISSIONS_BOUNDARY_PARAMETER = 'PermissionsBoundaryArn';

/** One CloudFormation client per region, created on first use. */
type ClientFor = (region: string) => CloudFormationClient;
const cloudFormationClients = (): ClientFor => clientsByRegion((region) => new CloudFormationClient({ region }));

/** Reading stacks only: DescribeStacks and DescribeStackEvents, nothing that changes a stack or passes a role. */
export function buildStackReader(options: { clientFor?: ClientFor } = {}): StackReader {
  const clientFor = options.clientFor ?? cloudFormationClients();
  return {
    async describeStack(region, stackNameOrId) {
      try {
        const result = await clientFor(region).send(new DescribeStacksCommand({ StackName: stackNameOrId }));
        const stack = result.Stacks?.[0];
        if (!stack || stack.StackStatus === 'DELETE_COMPLETE') return undefined;
        return {
          stackId: stack.StackId ?? stackNameOrId,
          stackName: stack.StackName ?? stackNameOrId,
          status: stack.StackStatus ?? 'UNKNOWN',
          statusReason: stack.StackStatusReason,
          ...(stack.LastUpdatedTime && { lastUpdatedTime: stack.LastUpdatedTime.toISOString() }),
          outputs: Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? ''])),
          tags: Object.fromEntries((stack.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
        };
      } catch (error) {
        if (isMissingStack(error)) return undefined;
        return classifyAwsError(error, 'DescribeStacks');
      }
    },

    async listStackEvents(region, stackNameOrId) {
      const events: StackEventView[] = [];
      let nextToken: string | undefined;
      try {
        for (let page = 0; page < MAX_EVENT_PAGES; page++) {
          const result = await clientFor(region).send(new DescribeStackEventsCommand({ StackName: stackNameOrId, NextToken: nextToken }));
          events.push(...(result.StackEvents ?? []).map(toEventView));
          nextToken = result.NextToken;
          if (!nextToken) break;
        }
      } catch (error) {
        if (isMissingStack(error)) return events;
        return classifyAwsError(error, 'DescribeStackEvents');
      }
      return events;
    },
  };
}

export interface StackGatewayOptions {
  templateBody: () => string;
  roleArn: string;
  /**
   * Deployment wiring, like the role: every stack's roles carry this boundary, because the stack role may create
   * roles only with it (templates/stack-role-policy.json). Not a cluster parameter, so the domain never sees it.
   */
  permissionsBoundaryArn: string;
  clientFor?: ClientFor;
}

/** Reading, creating and deleting stacks through the service role. */
export function buildStackGateway(options: StackGatewayOptions): StackGateway {
  const clientFor = options.clientFor ?? cloudFormationClients();
  return {
    ...buildStackReader({ clientFor }),
    async createStack(request) {
      try {
        const result = await clientFor(request.region).send(
          new CreateStackCommand({
            StackName: request.stackName,
            TemplateBody: options.templateBody(),
            Parameters: Object.entries({ ...request.parameters, [PERMISSIONS_BOUNDARY_PARAMETER]: options.permissionsBoundaryArn }).map(([ParameterKey, ParameterValue]) => ({
              ParameterKey,
              ParameterValue,
            })),
            Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })),
            RoleARN: options.roleArn,
            ClientRequestToken: request.clientRequestToken,
            Capabilities: ['CAPABILITY_IAM'],
            // Roll back on failure (the Docker for AWS default), so a failed stack holds no instances while we read why.
            OnFailure: 'ROLLBACK',
          }),
        );
        return result.StackId ?? request.stackName;
      } catch (error) {
        if (error instanceof AlreadyExistsException) throw new StackAlreadyExistsError(request.stackName, { cause: error });
        return classifyAwsError(error, 'CreateStack');
      }
    },

    plannedResourceCount: () => plannedResourceCount(options.templateBody()),

    async deleteStack(region, stackNameOrId, clientRequestToken) {
      try {
        await clientFor(region).send(new DeleteStackCommand({ StackName: stackNameOrId, ClientRequestToken: clientRequestToken, RoleARN: options.roleArn }));
      } catch (error) {
        if (isMissingStack(error)) return;
        classifyAwsError(error, 'DeleteStack');
      }
    },
  };
}

/**
 * UpdateStack through the service role, with the service's current template (the update workflow's first step), and
 * ContinueUpdateRollback through the same role for a stack an earlier update left in UPDATE_ROLLBACK_FAILED.
 */
export function buildStackUpdater(options: StackGatewayOptions): Pick<StackUpdates, 'updateStack' | 'continueUpdateRollback'> {
  const clientFor = options.clientFor ?? cloudFormationClients();
  return {
    async updateStack(request) {
      try {
        await clientFor(request.region).send(
          new UpdateStackCommand({
            StackName: request.stackNameOrId,
            TemplateBody: options.templateBody(),
            Parameters: Object.entries({ ...request.parameters, [PERMISSIONS_BOUNDARY_PARAMETER]: options.permissionsBoundaryArn }).map(([ParameterKey, ParameterValue]) => ({
              ParameterKey,
              ParameterValue,
            })),
            RoleARN: options.roleArn,
            ClientRequestToken: request.clientRequestToken,
            Capabilities: ['CAPABILITY_IAM'],
          }),
        );
        return 'started';
      } catch (error) {
        if (isNoUpdate(error)) return 'unchanged';
        const rollingBack = rollbackHolding(error);
        if (rollingBack) return { rollingBack };
        return classifyAwsError(error, 'UpdateStack');
      }
    },

    async continueUpdateRollback(region, stackNameOrId, clientRequestToken) {
      try {
        await clientFor(region).send(new ContinueUpdateRollbackCommand({ StackName: stackNameOrId, RoleARN: options.roleArn, ClientRequestToken: clientRequestToken }));
        return true;
      } catch (error) {
        // "ContinueUpdateRollback cannot be called from current stack status": it has moved on meanwhile.
        if (isNothingToCancel(error)) return false;
        return classifyAwsError(error, 'ContinueUpdateRollback');
      }
    },
  };
}

/** CancelUpdateStack only (a delete that finds its stack mid-update): it passes no role. */
export function buildStackCanceller(options: { clientFor?: ClientFor } = {}): Pick<StackUpdates, 'cancelUpdateStack'> {
  const clientFor = options.clientFor ?? cloudFormationClients();
  return {
    async cancelUpdateStack(region, stackNameOrId, clientRequestToken) {
      try {
        await clientFor(region).send(new CancelUpdateStackCommand({ StackName: stackNameOrId, ClientRequestToken: clientRequestToken }));
        return true;
      } catch (error) {
        if (isNothingToCancel(error) || isMissingStack(error)) return false;
        return classifyAwsError(error, 'CancelUpdateStack');
      }
    }
  };
}
