/** Builders on the CloudFormation client: the stack gateway (creates and deletes) and the read-only stack reader. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildStackCanceller, buildStackGateway, buildStackReader, buildStackUpdater } from '../adapters/cloudformation/stack-gateway';
import type { Config } from '../config';
import type { StackGateway, StackReader, StackUpdates } from '../use-cases/ports';

/** For the steps that only watch a stack. */
export function stackReader(): StackReader {
  return buildStackReader();
}

const gatewayOptions = (config: Config) => {
  let templateBody: string | undefined;
  return {
    roleArn: config.stackRoleArn,
    permissionsBoundaryArn: config.stackPermissionsBoundaryArn,
    templateBody: () => (templateBody ??= readFileSync(resolve(config.templatePath), 'utf8')),
  };
};

export function stackGateway(config: Config): StackGateway {
  return buildStackGateway(gatewayOptions(config));
}

/** For the update workflow's first step: UpdateStack with the current template (ContinueUpdateRollback before it if needed). */
export function stackUpdater(config: Config): Pick<StackUpdates, 'updateStack' | 'continueUpdateRollback'> {
  return buildStackUpdater(gatewayOptions(config));
}

/** For the delete workflow's step that finds its stack mid-update. */
export function stackCanceller(): Pick<StackUpdates, 'cancelUpdateStack'> {
  return buildStackCanceller();
}
