/** The EC2 client's users: the instance inventory (a cluster's nodes, and the proof they are gone) and nodes' console output. */
import { buildInstanceInventory } from '../adapters/ec2/instance-inventory';
import { buildConsoleOutputReader } from '../adapters/ec2/console-output';
import type { ConsoleOutputReader, InstanceInventory } from '../use-cases/ports';

export function instanceInventory(): InstanceInventory {
  return buildInstanceInventory();
}

export function consoleOutputReader(): ConsoleOutputReader {
  return buildConsoleOutputReader();
}
