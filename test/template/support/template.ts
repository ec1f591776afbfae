import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCloudFormationTemplate } from '../../../sandbox/cloudformation-yaml';

export const TEMPLATE_PATH = join(__dirname, '..', '..', '..', 'templates', 'swarm.yaml');

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface Template {
  Parameters: Record<string, Record<string, Json>>;
  Conditions: Record<string, Json>;
  Resources: Record<string, { Type: string; Properties?: Record<string, Json>; [key: string]: Json | undefined }>;
  Outputs: Record<string, Record<string, Json>>;
  [section: string]: Json | undefined | Record<string, unknown>;
}

export const templateText = (): string => readFileSync(TEMPLATE_PATH, 'utf8');
export const loadTemplate = (): Template => parseCloudFormationTemplate(templateText()) as Template;

export const isRecord = (value: unknown): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The Fn::Sub text and variable map of a launch template's user data. */
export function userDataOf(template: Template, launchTemplate: string): { text: string; variables: Record<string, string> } {
  const data = template.Resources[launchTemplate]?.Properties?.LaunchTemplateData;
  const base64 = isRecord(data) && isRecord(data.UserData) ? data.UserData['Fn::Base64'] : undefined;
  const sub = isRecord(base64) ? base64['Fn::Sub'] : undefined;
  if (!Array.isArray(sub) || typeof sub[0] !== 'string' || !isRecord(sub[1])) {
    throw new Error(`${launchTemplate} user data is not Fn::Base64 of Fn::Sub [text, variables]`);
  }
  const variables = Object.fromEntries(Object.entries(sub[1]).map(([name, value]) => [name, String(value)]));
  return { text: sub[0], variables };
}

/** Resolves Fn::Sub placeholders the way CloudFormation does: ${Name} from values, ${!Literal} to ${Literal}. */
export function renderSub(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    const value = values[name];
    if (value === undefined) throw new Error(`no value for \${${name}}`);
    return value;
  });
}

/** Stand-in values for what CloudFormation would put into the user data of a real stack. */
export const STACK_VALUES: Record<string, string> = {
  'AWS::StackName': 'swarm-c-01jz0000000000000000000000',
  'AWS::Region': 'us-east-1',
  SwarmTable: 'swarm-c-01jz0000000000000000000000-SwarmTable-1A2B3C',
  LogGroup: '/swarm/c-01jz0000000000000000000000',
  EnableCloudWatchLogs: 'yes',
  EnableSystemPrune: 'yes',
  DockerVersion: '25.0.16',
};

export function bootstrapScript(template: Template, launchTemplate: string, overrides: Record<string, string> = {}): string {
  const { text, variables } = userDataOf(template, launchTemplate);
  return renderSub(text, { ...STACK_VALUES, ...variables, ...overrides });
}
