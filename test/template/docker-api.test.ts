/**
 * The managers' Docker API for `GET /clusters/{id}/connect`: dockerd also listens on 127.0.0.1:2375 on managers, on
 * workers not at all, and no security group opens 2375 (the only way in is an SSM port forward, which the agent opens
 * on the instance itself). The line that does it is taken from the user data and run by bash on a copy of Amazon
 * Linux 2023's /etc/sysconfig/docker, whose OPTIONS the engine's systemd unit passes to dockerd.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapScript, loadTemplate } from './support/template';

const template = loadTemplate();
// The file as the AL2023 docker package installs it (the lines that matter).
const SYSCONFIG = '# Additional startup options for the Docker daemon, for example:\n# OPTIONS="--ip-forward=true --iptables=true"\nOPTIONS="--default-ulimit nofile=32768:65536"\n';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'docker-api-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the user data's sysconfig line for `role` against a copy of the file; answers the file afterwards. */
function optionsAfter(launchTemplate: string, role: string): string {
  const lines = bootstrapScript(template, launchTemplate).split('\n').filter((line) => line.includes('/etc/sysconfig/docker'));
  expect(lines).toHaveLength(1);
  const file = join(dir, `${launchTemplate}-${role}`);
  writeFileSync(file, SYSCONFIG);
  const result = spawnSync('bash', ['--norc', '--noprofile', '-c', `set -euo pipefail; ${lines[0]!.trim().replaceAll('/etc/sysconfig/docker', file)}`], {
    env: { PATH: process.env.PATH, ROLE: role },
    encoding: 'utf8',
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return readFileSync(file, 'utf8');
}

describe('the managers’ Docker API', () => {
  it('is added on 127.0.0.1:2375 for a manager, before the existing options', () => {
    expect(optionsAfter('ManagerLaunchTemplate', 'manager')).toContain('\nOPTIONS="-H tcp://127.0.0.1:2375 --default-ulimit nofile=32768:65536"\n');
  });

  it('is not added for a worker', () => {
    expect(optionsAfter('WorkerLaunchTemplate', 'worker')).toBe(SYSCONFIG);
  });

  it('listens on no other address, and no ingress rule opens 2375 or, without SshCidr, port 22', () => {
    const text = readFileSync(join(__dirname, '../../templates/swarm.yaml'), 'utf8');
    const ingress = Object.entries(template.Resources as Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>).filter(
      ([, resource]) => resource.Type === 'AWS::EC2::SecurityGroupIngress',
    );

    expect(text.match(/tcp:\/\/[0-9.]+:2375/g)?.every((address) => address === 'tcp://127.0.0.1:2375')).toBe(true);
    expect(ingress.filter(([, resource]) => Number(resource.Properties.FromPort) <= 2375 && Number(resource.Properties.ToPort) >= 2375)).toEqual([]);
    expect(ingress.filter(([, resource]) => Number(resource.Properties.FromPort) <= 22 && Number(resource.Properties.ToPort) >= 22).map(([name, resource]) => [name, resource.Condition])).toEqual([['SshIngress', 'AllowSsh']]);
  });
});
