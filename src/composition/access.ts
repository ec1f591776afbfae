/** Which IAM callers are operators: configuration only, no client. */
import type { Config } from '../config';
import type { AccessPolicy } from '../handlers/http/principal';

export function accessPolicy(config: Config): AccessPolicy {
  return { operatorRoleArns: config.operatorRoleArns };
}
