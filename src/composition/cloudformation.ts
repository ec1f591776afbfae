/** Builders on the CloudFormation client: the stack gateway (creates and deletes) and the read-only stack reader. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildStackGateway, buildStackReader } from '../adapters/cloudformation/stack-gateway';
import type { Config } from '../config';
import type { StackGateway, StackReader } from '../use-cases/ports';

/** For the steps that only watch a stack. */
export function stackReader(): StackReader {
  return buildStackReader();
}

export function stackGateway(config: Config): StackGateway {
  let templateBody: string | undefined;
  return buildStackGateway({
    roleArn: config.stackRoleArn,
    permissionsBoundaryArn: config.stackPermissionsBoundaryArn,
    templateBody: () => (templateBody ??= readFileSync(resolve(config.templatePath), 'utf8')),
  });
}
