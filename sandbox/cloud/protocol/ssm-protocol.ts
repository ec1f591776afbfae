/**
 * SSM Run Command's SendCommand and GetCommandInvocation (AWS JSON 1.1: `X-Amz-Target: AmazonSSM.<Action>`, a JSON
 * body, errors as `{"__type", "message"}` with HTTP 400), answered from the simulated swarm: `docker info` and
 * `docker node ls` on a node show the running instances of its stack (managers and workers by their role tag).
 * The rules kept (SSM API Reference): SendCommand needs DocumentName and InstanceIds, and refuses an instance that is
 * not running with InvalidInstanceId; GetCommandInvocation answers InvocationDoesNotExist for an unknown command or
 * instance, and is first `InProgress`, then `Success` (a node's agent takes a moment). Only AWS-RunShellScript runs.
 */
import { randomUUID } from 'node:crypto';
import type { CloudSimulation } from '../domain/cloud';
import type { Instance } from '../domain/fleet';

export class SsmError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

interface Invocation {
  commands: string[];
  polls: number;
}

const tag = (instance: Instance, key: string) => instance.tags.find((t) => t.key === key)?.value;

const swarmOf = (cloud: CloudSimulation, node: Instance): Instance[] => {
  const stackId = tag(node, 'aws:cloudformation:stack-id');
  return cloud.fleet.list().filter((i) => i.state === 'running' && stackId !== undefined && tag(i, 'aws:cloudformation:stack-id') === stackId);
};

const roleOf = (instance: Instance) => tag(instance, 'swarm-provisioner:role') ?? 'worker';

const dockerOutput = (cloud: CloudSimulation, node: Instance, command: string): string => {
  const swarm = swarmOf(cloud, node);
  const managers = swarm.filter((i) => roleOf(i) === 'manager');
  if (/^docker node ls\b/.test(command)) {
    if (roleOf(node) !== 'manager') return 'Error response from daemon: This node is not a swarm manager. Worker nodes can\'t be used to view or modify cluster state.\n';
    const rows = swarm.map((i, index) => {
      const id = `${i.instanceId.slice(2, 14).padEnd(12, '0')}${i === node ? ' *' : '  '}`;
      const status = roleOf(i) === 'manager' ? (index === 0 ? 'Leader' : 'Reachable') : '';
      return `${id.padEnd(30)}${i.privateDnsName.split('.')[0]!.padEnd(28)}Ready     Active         ${status.padEnd(16)}25.0.6`;
    });
    return `${'ID'.padEnd(30)}${'HOSTNAME'.padEnd(28)}STATUS    AVAILABILITY   MANAGER STATUS  ENGINE VERSION\n${rows.join('\n')}\n`;
  }
  if (/^docker info\b/.test(command)) {
    return [
      'Server:',
      ' Server Version: 25.0.6',
      ' Swarm: active',
      `  NodeID: ${node.instanceId.slice(2, 14)}`,
      `  Is Manager: ${roleOf(node) === 'manager'}`,
      `  Managers: ${managers.length}`,
      `  Nodes: ${swarm.length}`,
      `  Node Address: ${node.privateIpAddress}`,
      '',
    ].join('\n');
  }
  return '';
};

/** One simulated account's Run Command: commands by id, each with its one instance's invocation. */
export const ssmRunCommand = (cloud: CloudSimulation) => {
  const invocations = new Map<string, Invocation>();
  const key = (commandId: string, instanceId: string) => `${commandId}/${instanceId}`;

  const actions: Record<string, (body: Record<string, unknown>) => unknown> = {
    SendCommand: (body) => {
      const instanceIds = Array.isArray(body.InstanceIds) ? (body.InstanceIds as unknown[]).filter((id): id is string => typeof id === 'string') : [];
      if (typeof body.DocumentName !== 'string' || instanceIds.length === 0) throw new SsmError('ValidationException', 'DocumentName and InstanceIds are required');
      if (body.DocumentName !== 'AWS-RunShellScript') throw new SsmError('InvalidDocument', `Document ${body.DocumentName} does not exist in your account`);
      for (const id of instanceIds) {
        if (cloud.fleet.get(id)?.state !== 'running') throw new SsmError('InvalidInstanceId', 'Instances not in a valid state for account');
      }
      const parameters = (body.Parameters ?? {}) as { commands?: unknown };
      const commands = Array.isArray(parameters.commands) ? parameters.commands.map(String) : [];
      const commandId = randomUUID();
      for (const id of instanceIds) invocations.set(key(commandId, id), { commands, polls: 0 });
      return { Command: { CommandId: commandId, DocumentName: body.DocumentName, InstanceIds: instanceIds, Status: 'Pending' } };
    },
    GetCommandInvocation: (body) => {
      const commandId = String(body.CommandId ?? '');
      const instanceId = String(body.InstanceId ?? '');
      const invocation = invocations.get(key(commandId, instanceId));
      const node = cloud.fleet.get(instanceId);
      if (!invocation || !node) throw new SsmError('InvocationDoesNotExist', 'The command ID and instance ID you specified did not match any invocations.');
      invocation.polls += 1;
      if (invocation.polls === 1) return { CommandId: commandId, InstanceId: instanceId, Status: 'InProgress', StatusDetails: 'InProgress' };
      const output = invocation.commands.map((command) => dockerOutput(cloud, node, command)).join('');
      return { CommandId: commandId, InstanceId: instanceId, DocumentName: 'AWS-RunShellScript', Status: 'Success', StatusDetails: 'Success', ResponseCode: 0, StandardOutputContent: output, StandardErrorContent: '' };
    },
  };

  /** The response for `X-Amz-Target: AmazonSSM.<action>`: status and JSON body. */
  return (target: string, rawBody: string): { status: number; body: string } => {
    const action = target.replace(/^AmazonSSM\./, '');
    try {
      const handler = actions[action];
      if (!handler) throw new SsmError('UnknownOperationException', `The action ${action} is not simulated`);
      return { status: 200, body: JSON.stringify(handler(JSON.parse(rawBody || '{}') as Record<string, unknown>)) };
    } catch (error) {
      if (error instanceof SsmError) return { status: 400, body: JSON.stringify({ __type: error.type, message: error.message }) };
      if (error instanceof SyntaxError) return { status: 400, body: JSON.stringify({ __type: 'SerializationException', message: 'The body is not JSON' }) };
      throw error;
    }
  };
};
