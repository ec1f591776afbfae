import { randomBytes, randomInt, randomUUID } from 'node:crypto';

export const ACCOUNT_ID = '000000000000';

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export const randomHex = (length: number): string =>
  randomBytes(Math.ceil(length / 2))
    .toString('hex')
    .slice(0, length);

/** The suffix CloudFormation appends to generated names, e.g. `swarm-c-01-ManagerAsg-1XQ4KZ7RW0NQB`. */
export const randomSuffix = (length = 13): string =>
  Array.from({ length }, () => UPPER_ALNUM[randomInt(UPPER_ALNUM.length)]).join('');

/** EC2 style ids: `vpc-`, `sg-`, `i-` followed by 17 lower-case hex digits. */
export const ec2Id = (prefix: string): string => `${prefix}-${randomHex(17)}`;

export const requestId = (): string => randomUUID();

export const stackArn = (region: string, stackName: string): string =>
  `arn:aws:cloudformation:${region}:${ACCOUNT_ID}:stack/${stackName}/${randomUUID()}`;

/**
 * CloudFormation builds physical names from the stack and logical names, shortening both so the whole fits the
 * resource's name limit (ELB names: 32 characters).
 */
export const generatedName = (stackName: string, logicalId: string, maxLength = 128): string => {
  const suffix = randomSuffix(maxLength < 64 ? 12 : 13);
  const room = maxLength - suffix.length - 2;
  if (stackName.length + logicalId.length <= room) return `${stackName}-${logicalId}-${suffix}`;
  const logicalPart = logicalId.slice(0, Math.min(logicalId.length, Math.max(5, Math.floor(room / 2))));
  const stackPart = stackName.slice(0, room - logicalPart.length);
  return `${stackPart}-${logicalPart}-${suffix}`;
};

export const isStackArn = (value: string): boolean => value.startsWith('arn:aws:cloudformation:');
