/**
 * Every YAML file AWS tooling reads, read by a strict YAML 1.1 reader (PyYAML, see support/strict-yaml.ts for why and
 * where the rule comes from): the templates under templates/ that CloudFormation receives as a TemplateBody, and
 * serverless.yml, which the framework reads and whose resources end up in the service's stack.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseCloudFormationTemplate } from '../../sandbox/cloudformation-yaml';
import { readYaml11 } from './support/strict-yaml';

const ROOT = resolve(__dirname, '../..');
const TEMPLATES = readdirSync(join(ROOT, 'templates')).filter((name) => /\.ya?ml$/.test(name)).map((name) => `templates/${name}`);
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

describe('the YAML files AWS reads', () => {
  it('include the Swarm template (so the list below is not empty by mistake)', () => {
    expect(TEMPLATES).toContain('templates/swarm.yaml');
  });

  it.each([...TEMPLATES, 'serverless.yml'])('%s parses with PyYAML (YAML 1.1, as cfn-lint and the AWS CLI read it)', (path) => {
    const result = readYaml11(read(path));

    expect(result).toMatchObject({ ok: true });
  });

  it.each(TEMPLATES)('%s means the same to PyYAML as to the reader the local cloud uses', (path) => {
    const result = readYaml11(read(path));

    // Same data, not just "both parse": a value one reader takes as a boolean or a number and the other as text
    // would make the simulated stack differ from the one CloudFormation builds.
    expect(result.ok && result.document).toEqual(parseCloudFormationTemplate(read(path)));
  });
});

describe('the strict reader itself', () => {
  // The line templates/swarm.yaml had until issue 9: inside a flow mapping `?` is the key indicator for PyYAML and
  // SnakeYAML, so a plain scalar ends there and the mapping is malformed; the npm `yaml` reader took it as text.
  const OLD_LABELS = ['Metadata:', '  AWS::CloudFormation::Interface:', '    ParameterLabels:', '      ManagerSize: { default: Number of Swarm managers? }', ''].join('\n');

  it('refuses a ? inside a flow mapping, at the line and column PyYAML stops, which the npm yaml reader lets through', () => {
    const result = readYaml11(OLD_LABELS);

    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain("expected ',' or '}', but got '?'");
    // PyYAML counts from 1 in its messages: the old template stopped at line 21, column 55; here it is line 4.
    expect(!result.ok && result.error).toMatch(/line 4, column 55/);
    expect(() => parseCloudFormationTemplate(OLD_LABELS)).not.toThrow();
  });

  it('accepts the same label once it is quoted', () => {
    const result = readYaml11(OLD_LABELS.replace('Number of Swarm managers?', "'Number of Swarm managers?'"));

    expect(result).toMatchObject({ ok: true, document: { Metadata: { 'AWS::CloudFormation::Interface': { ParameterLabels: { ManagerSize: { default: 'Number of Swarm managers?' } } } } } });
  });

  it('turns the short-form tags into the long form, as cfn-lint does', () => {
    const result = readYaml11("A: !Ref Vpc\nB: !GetAtt Db.Endpoint.Address\nC: !Sub '${AWS::StackName}'\nD: !If [Big, 1, 2]\nE: !Condition Big\n");

    expect(result).toMatchObject({
      ok: true,
      document: { A: { Ref: 'Vpc' }, B: { 'Fn::GetAtt': ['Db', 'Endpoint.Address'] }, C: { 'Fn::Sub': '${AWS::StackName}' }, D: { 'Fn::If': ['Big', 1, 2] }, E: { Condition: 'Big' } },
    });
  });

  it.each([
    ['a duplicate key', 'Resources:\n  A: 1\n  A: 2\n', /duplicate key 'A'/],
    ['an unknown tag', 'A: !Reff Vpc\n', /unknown tag !Reff/],
    ['a tab used for indentation', 'A:\n\tB: 1\n', /found character '\\t' that cannot start any token/],
  ])('refuses %s', (_case, text, message) => {
    const result = readYaml11(text);

    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(message);
  });

  it('reads YAML 1.1 scalars the 1.1 way: an unquoted yes is a boolean, an unquoted 010 is octal', () => {
    expect(readYaml11("A: yes\nB: 'yes'\nC: 010\n")).toMatchObject({ ok: true, document: { A: true, B: 'yes', C: 8 } });
  });
});
