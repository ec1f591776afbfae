/**
 * The SSM client's users: Run Command on a running manager (diagnostics' `docker info` and `docker node ls`), and
 * the managers' agent status (the health sweep's DescribeInstanceInformation).
 */
import { buildNodeAgents } from '../adapters/ssm/instance-information';
import { buildNodeCommands } from '../adapters/ssm/run-command';
import type { NodeAgents, NodeCommands } from '../use-cases/ports';

export function nodeCommands(): NodeCommands {
  return buildNodeCommands();
}

export function nodeAgents(): NodeAgents {
  return buildNodeAgents();
}
