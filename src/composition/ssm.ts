/** The SSM client's one user: Run Command on a running manager (diagnostics' `docker info` and `docker node ls`). */
import { buildNodeCommands } from '../adapters/ssm/run-command';
import type { NodeCommands } from '../use-cases/ports';

export function nodeCommands(): NodeCommands {
  return buildNodeCommands();
}
