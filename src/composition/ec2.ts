/** The EC2 client's one user: the instance inventory (a cluster's nodes, and the proof they are gone). */
import { buildInstanceInventory } from '../adapters/ec2/instance-inventory';
import type { InstanceInventory } from '../use-cases/ports';

export function instanceInventory(): InstanceInventory {
  return buildInstanceInventory();
}
