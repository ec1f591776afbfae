/**
 * What EC2's GetConsoleOutput shows for a simulated instance: a plausible cloud-init run of the template's bootstrap
 * (Docker installed, the swarm initialised or joined, cfn-signal). An instance of a group that an injected `rollback`
 * fault failed, or one that signalled FAILURE in an update (`update-fail`, `update-rollback-failed`), shows the lines
 * a real node shows when it could not join the swarm before the signal timeout. The log carries a join token, as a
 * real `set -x` bootstrap does, so that the service's redaction has something to redact.
 */
import type { Instance } from './fleet';

const stamp = (launch: Date, seconds: number): string => {
  const at = new Date(launch.getTime() + seconds * 1000);
  return at.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ',000');
};

const tag = (instance: Instance, key: string): string | undefined => instance.tags.find((t) => t.key === key)?.value;

export const consoleOutputOf = (instance: Instance): string => {
  const launch = instance.launchTime;
  const role = tag(instance, 'swarm-provisioner:role') ?? 'worker';
  const token = `SWMTKN-1-${instance.instanceId.slice(2).padEnd(50, '7')}-${instance.reservationId.slice(2).padEnd(25, '3')}`;
  const lines = [
    `[    0.000000] Linux version 6.1.115-126.197.amzn2023.x86_64 (mockbuild@ip-10-0-55-170) #1 SMP PREEMPT_DYNAMIC`,
    `[    2.311462] cloud-init[1702]: Cloud-init v. 22.2.2 running 'init' at ${stamp(launch, 2)}. Up 9.21 seconds.`,
    `[    3.004215] cloud-init[1702]: ci-info: | eth0 | True | ${instance.privateIpAddress} | 255.255.255.0 | global |`,
    `cloud-init[2011]: + dnf install -y docker`,
    `cloud-init[2011]: Installed: docker-25.0.6-1.amzn2023.0.2.x86_64`,
    `cloud-init[2011]: + systemctl enable --now docker`,
    `cloud-init[2011]: Created symlink /etc/systemd/system/multi-user.target.wants/docker.service.`,
    `cloud-init[2011]: + echo AWS_ACCESS_KEY_ID=ASIAQEXAMPLE7SIMUL8X token=sim-${instance.instanceId.slice(2, 10)} > /dev/null`,
    `cloud-init[2011]: + docker swarm join --token ${token} 10.0.1.10:2377`,
  ];
  if (instance.bootFailure) {
    lines.push(
      `cloud-init[2011]: Error response from daemon: Timeout was reached before node joined. The attempt to join the swarm will continue in the background. Use the "docker info" command to see the current swarm status of your node.`,
      `cloud-init[2011]: + exit 1`,
      `[  912.551212] cloud-init[2011]: ${stamp(launch, 912)} - cc_scripts_user.py[WARNING]: Failed to run module scripts-user (scripts in /var/lib/cloud/instance/scripts)`,
      `[  912.560114] cloud-init[2011]: Cloud-init v. 22.2.2 finished at ${stamp(launch, 912)}. Datasource DataSourceEc2Local. Up 912.55 seconds`,
    );
  } else {
    lines.push(
      `cloud-init[2011]: This node joined a swarm as a ${role}.`,
      `cloud-init[2011]: + /opt/aws/bin/cfn-signal --success true --stack ${tag(instance, 'aws:cloudformation:stack-name') ?? 'stack'} --resource ${tag(instance, 'aws:cloudformation:logical-id') ?? 'Asg'}`,
      `[   48.120331] cloud-init[2011]: Cloud-init v. 22.2.2 finished at ${stamp(launch, 48)}. Datasource DataSourceEc2Local. Up 48.12 seconds`,
    );
  }
  return `${lines.join('\n')}\n`;
};
