/**
 * Reads YAML with PyYAML, the YAML 1.1 reader AWS's own tooling is built on: cfn-lint (cfnlint/decode/cfn_yaml.py) and
 * `aws cloudformation package/deploy` (awscli/customizations/cloudformation/yamlhelper.py) both load templates with
 * PyYAML's SafeLoader plus constructors for the short-form intrinsic tags. CloudFormation itself documents YAML 1.1
 * ("CloudFormation template format", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-formats.html;
 * YAML 1.1 spec: https://yaml.org/spec/1.1/). The npm `yaml` and `js-yaml` readers accept text these refuse, such as
 * a `?` inside a flow mapping, so our own reader alone cannot vouch for a template.
 *
 * PyYAML comes from Debian's `python3-yaml` (npm test installs it as root: scripts/system-tools.sh). A missing PyYAML fails the test with the command
 * that installs it, the same way the shellcheck check does.
 */
import { spawnSync } from 'node:child_process';

export const INSTALL_PYYAML = 'sudo apt-get install -y python3-yaml';

// A pyenv or venv `python3` first on PATH may lack PyYAML while Debian's interpreter has it, so try both.
const PYTHON_CANDIDATES = ['python3', '/usr/bin/python3'];

// The loader mirrors cfn-lint's: SafeLoader, every CloudFormation short-form tag turned into its long form, unknown
// tags and duplicate keys refused. It prints the document as JSON (dates as their text, as CloudFormation keeps them).
const LOADER = String.raw`
import json, sys, yaml
FUNCTIONS = {'And', 'Base64', 'Cidr', 'Equals', 'FindInMap', 'ForEach', 'GetAtt', 'GetAZs', 'If', 'ImportValue',
             'Join', 'Length', 'Not', 'Or', 'Select', 'Split', 'Sub', 'ToJsonString', 'Transform'}
class Loader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, 'duplicate key %r' % (key,), key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)
def intrinsic(loader, suffix, node):
    if suffix not in FUNCTIONS and suffix not in ('Ref', 'Condition'):
        raise yaml.constructor.ConstructorError(None, None, 'unknown tag !%s' % suffix, node.start_mark)
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == 'GetAtt' and isinstance(value, str):
        value = value.split('.', 1)
    return {suffix if suffix in ('Ref', 'Condition') else 'Fn::' + suffix: value}
Loader.add_multi_constructor('!', intrinsic)
try:
    document = yaml.load(sys.stdin.read(), Loader=Loader)
except yaml.YAMLError as error:
    sys.stderr.write(str(error))
    sys.exit(1)
sys.stdout.write(json.dumps({'pyyaml': yaml.__version__, 'document': document}, default=str))
`;

let python: string | undefined;

function pythonWithPyYaml(): string {
  if (python) return python;
  for (const candidate of PYTHON_CANDIDATES) {
    const probe = spawnSync(candidate, ['-c', 'import yaml'], { encoding: 'utf8', timeout: 10_000 });
    if (probe.status === 0) return (python = candidate);
  }
  throw new Error(`PyYAML is not installed (tried ${PYTHON_CANDIDATES.join(', ')}): run \`${INSTALL_PYYAML}\` (Debian/Ubuntu); npm test does it when run as root`);
}

export type StrictYamlResult = { ok: true; document: unknown; pyyamlVersion: string } | { ok: false; error: string };

/** Parses `text` as PyYAML does for cfn-lint and the AWS CLI; `error` carries PyYAML's message with line and column. */
export function readYaml11(text: string): StrictYamlResult {
  const result = spawnSync(pythonWithPyYaml(), ['-c', LOADER], { input: text, encoding: 'utf8', timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) return { ok: false, error: result.stderr };
  const { pyyaml, document } = JSON.parse(result.stdout) as { pyyaml: string; document: unknown };
  return { ok: true, document, pyyamlVersion: pyyaml };
}
