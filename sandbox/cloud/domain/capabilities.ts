import { CloudError } from './errors';
import type { TemplateResource } from './template';

/** IAM resource types and the property that gives each a custom name (which needs CAPABILITY_NAMED_IAM). */
const IAM_NAME_PROPERTIES: Record<string, string | undefined> = {
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::User': 'UserName',
  'AWS::IAM::Group': 'GroupName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
  'AWS::IAM::Policy': undefined,
  'AWS::IAM::AccessKey': undefined,
  'AWS::IAM::UserToGroupAddition': undefined,
};

export type Capability = 'CAPABILITY_IAM' | 'CAPABILITY_NAMED_IAM';

/** What ValidateTemplate reports and CreateStack insists on: none, CAPABILITY_IAM or CAPABILITY_NAMED_IAM. */
export const requiredCapabilities = (resources: Record<string, TemplateResource>): { capability?: Capability; reason?: string } => {
  const iam = Object.entries(resources).filter(([, resource]) => resource.Type in IAM_NAME_PROPERTIES);
  if (iam.length === 0) return {};
  const namedIam = iam.filter(([, resource]) => {
    const nameProperty = IAM_NAME_PROPERTIES[resource.Type];
    return nameProperty !== undefined && resource.Properties?.[nameProperty] !== undefined;
  });
  const [capability, listed] = namedIam.length > 0 ? (['CAPABILITY_NAMED_IAM', namedIam] as const) : (['CAPABILITY_IAM', iam] as const);
  return {
    capability,
    reason: `The following resource(s) require capabilities: [${[...new Set(listed.map(([, r]) => r.Type))].join(', ')}]`,
  };
};

export const checkCapabilities = (resources: Record<string, TemplateResource>, granted: readonly string[]): void => {
  const { capability } = requiredCapabilities(resources);
  if (capability === undefined || granted.includes(capability)) return;
  // CAPABILITY_NAMED_IAM covers unnamed IAM resources too.
  if (capability === 'CAPABILITY_IAM' && granted.includes('CAPABILITY_NAMED_IAM')) return;
  throw new CloudError('InsufficientCapabilitiesException', `Requires capabilities : [${capability}]`);
};
