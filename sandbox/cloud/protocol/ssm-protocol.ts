/**
 * SSM Run Command's SendCommand and GetCommandInvocation (AWS JSON 1.1: `X-Amz-Target: AmazonSSM.<Action>`, a JSON
 * body, errors as `{"__type", "message"}` with HTTP 400), answered from the simulated swarm: `docker info` and
 * `docker node ls` on a node show the running instances of its stack (managers and workers by their role tag).
 * The rules kept (SSM API Reference): SendCommand needs DocumentName and InstanceIds, and refuses an instance that is
 * not running with InvalidInstanceId; GetCommandInvocation answers InvocationDoesNotExist for an unknown command or
 * instance, and is first `InProgress`, then `Success` (a node's agent takes a moment). Only AWS-RunShellScript runs.
 * A hung instance (`hangInstance`) takes the command but its agent never answers: the invocation stays `Pending`.
 * DescribeInstanceInformation lists the agents of the instances EC2 says are running (it leaves out stopped and
 * terminated ones, as SSM does): PingStatus `Online`, or `ConnectionLost` for a hung one; `Filters` takes
 * `tag:<key>`, `tag-key`, `InstanceIds`, `PingStatus` and `ResourceType`, MaxResults 5-50 (default 10) and NextToken.
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeInstanceInformation.html
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstanceInformationStringFilter.html
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
    // A hung node is Down, and a hung manager Unreachable; the leader is the first manager that is not hung.
    const leader = swarm.find((i) => roleOf(i) === 'manager' && !i.hung);
    const rows = swarm.map((i) => {
      const id = `${i.instanceId.slice(2, 14).padEnd(12, '0')}${i === node ? ' *' : '  '}`;
      const status = roleOf(i) === 'manager' ? (i.hung ? 'Unreachable' : i === leader ? 'Leader' : 'Reachable') : '';
      return `${id.padEnd(30)}${i.privateDnsName.split('.')[0]!.padEnd(28)}${(i.hung ? 'Down' : 'Ready').padEnd(10)}Active         ${status.padEnd(16)}25.0.6`;
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
      if (node.hung) return { CommandId: commandId, InstanceId: instanceId, Status: 'Pending', StatusDetails: 'Pending' };
      if (invocation.polls === 1) return { CommandId: commandId, InstanceId: instanceId, Status: 'InProgress', StatusDetails: 'InProgress' };
      const output = invocation.commands.map((command) => dockerOutput(cloud, node, command)).join('');
      return { CommandId: commandId, InstanceId: instanceId, DocumentName: 'AWS-RunShellScript', Status: 'Success', StatusDetails: 'Success', ResponseCode: 0, StandardOutputContent: output, StandardErrorContent: '' };
    },
    DescribeInstanceInformation: (body) => {
      if (body.InstanceInformationFilterList !== undefined && body.Filters !== undefined) {
        throw new SsmError('InvalidFilterKey', 'InstanceInformationFilterList and Filters cannot be used together');
      }
      const filters = (Array.isArray(body.Filters) ? body.Filters : []) as { Key?: unknown; Values?: unknown }[];
      const maxResults = body.MaxResults === undefined ? 10 : Number(body.MaxResults);
      if (!Number.isInteger(maxResults) || maxResults < 5 || maxResults > 50) {
        throw new SsmError('ValidationException', `1 validation error detected: Value '${String(body.MaxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value between 5 and 50`);
      }
      const start = body.NextToken === undefined ? 0 : Number(Buffer.from(String(body.NextToken), 'base64').toString('utf8'));
      if (!Number.isInteger(start) || start < 0) throw new SsmError('InvalidNextToken', 'The specified token is not valid.');
      const fields: Record<string, (i: Instance) => string[]> = {
        InstanceIds: (i) => [i.instanceId],
        PingStatus: (i) => [i.hung ? 'ConnectionLost' : 'Online'],
        ResourceType: () => ['EC2Instance'],
        PlatformTypes: () => ['Linux'],
        'tag-key': (i) => i.tags.map((t) => t.key),
      };
      const selected = cloud.fleet.list().filter(
        (i) =>
          i.state === 'running' &&
          filters.every((filter) => {
            const key = String(filter.Key ?? '');
            const values = Array.isArray(filter.Values) ? filter.Values.map(String) : [];
            const field = key.startsWith('tag:') ? (i: Instance) => (tag(i, key.slice(4)) === undefined ? [] : [tag(i, key.slice(4))!]) : fields[key];
            if (!field) throw new SsmError('InvalidInstanceInformationFilterValue', `The filter key ${key} is not valid`);
            return field(i).some((value) => values.includes(value));
          }),
      );
      const page = selected.slice(start, start + maxResults);
      const next = start + maxResults < selected.length ? Buffer.from(String(start + maxResults)).toString('base64') : undefined;
      return {
        InstanceInformationList: page.map((i) => ({
          InstanceId: i.instanceId,
          PingStatus: i.hung ? 'ConnectionLost' : 'Online',
          // SSM's JSON carries timestamps as epoch seconds; a hung agent's last ping is when it hung, near enough its launch.
          LastPingDateTime: (i.hung ? i.launchTime.getTime() : Date.now()) / 1000,
          AgentVersion: '3.3.1142.0',
          IsLatestVersion: true,
          PlatformType: 'Linux',
          PlatformName: 'Amazon Linux',
          PlatformVersion: '2023',
          ResourceType: 'EC2Instance',
          IPAddress: i.privateIpAddress,
          ComputerName: i.privateDnsName,
          SourceId: i.instanceId,
          SourceType: 'AWS::EC2::Instance',
        })),
        ...(next !== undefined ? { NextToken: next } : {}),
      };
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
