/**
 * How to reach a running swarm with no key pair and no inbound port: an SSM Session Manager port forward to a
 * manager's Docker API, which templates/swarm.yaml binds to 127.0.0.1:2375 on managers only, and the docker lines that
 * use it. From the record alone (the node inventory events keep current): no AWS in here.
 */
import type { Cluster, ClusterNode, ClusterStatus } from './cluster';
import { ConflictError } from './errors';
import { byRoleZoneId } from './nodes';

/** The port managers' dockerd listens on, loopback only (templates/swarm.yaml `prepare`), and the local end's port. */
export const DOCKER_API_PORT = 2375;

/** The states in which a cluster's managers run: READY, during a change (UPDATING), and asleep (only workers sleep). */
const CONNECTABLE: readonly ClusterStatus[] = ['READY', 'UPDATING', 'HIBERNATED'];

/**
 * Session Manager's port forward: the AWS-owned session document `AWS-StartPortForwardingSession` with the parameters
 * `portNumber` (on the instance) and `localPortNumber`, each a list of one string, as
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-specify-session-document.html shows.
 */
export const PORT_FORWARD_DOCUMENT = 'AWS-StartPortForwardingSession';

export interface ConnectInstructions {
  clusterId: string;
  region: string;
  /** The manager the port forward reaches. */
  instanceId: string;
  availabilityZone: string;
  localPort: number;
  commands: {
    /** Runs in the foreground for as long as the tunnel is wanted (needs the AWS CLI and its Session Manager plugin). */
    portForward: string;
    /** In a second terminal: a docker context named after the cluster, then a command through it. */
    dockerContext: string;
    nodeList: string;
    /** The alternative to a context, for the current shell only. */
    dockerHost: string;
  };
}

/** The manager to connect to: the first running one in the order every listing shows (zone, then id), so it is stable. */
export function connectableManager(nodes: readonly ClusterNode[]): ClusterNode | undefined {
  return nodes.filter((node) => node.role === 'manager' && node.state === 'running').sort(byRoleZoneId)[0];
}

/** The commands, or a ConflictError (409) when the cluster is not running or no manager of it is. */
export function connectInstructions(cluster: Pick<Cluster, 'id' | 'name' | 'region' | 'status' | 'nodes'>): ConnectInstructions {
  if (!CONNECTABLE.includes(cluster.status)) {
    throw new ConflictError(`cluster ${cluster.id} is ${cluster.status}: there is a swarm to connect to only when it is ${CONNECTABLE.join(', ')}`);
  }
  const manager = connectableManager(cluster.nodes);
  if (!manager) throw new ConflictError(`cluster ${cluster.id} has no running manager on record; try again once one is running`);
  const parameters = JSON.stringify({ portNumber: [String(DOCKER_API_PORT)], localPortNumber: [String(DOCKER_API_PORT)] });
  const host = `tcp://127.0.0.1:${DOCKER_API_PORT}`;
  return {
    clusterId: cluster.id,
    region: cluster.region,
    instanceId: manager.instanceId,
    availabilityZone: manager.availabilityZone,
    localPort: DOCKER_API_PORT,
    commands: {
      portForward: `aws ssm start-session --region ${cluster.region} --target ${manager.instanceId} --document-name ${PORT_FORWARD_DOCUMENT} --parameters '${parameters}'`,
      // Cluster names are lower-case letters, digits and dashes (parameters.ts), so they need no quoting in a shell.
      dockerContext: `docker context create ${cluster.name} --docker host=${host}`,
      nodeList: `docker --context ${cluster.name} node ls`,
      dockerHost: `export DOCKER_HOST=${host}`,
    },
  };
}

/** The commands as a person pastes them, one step a line (swarmctl and Slack print this). */
export function connectScript(instructions: ConnectInstructions): string {
  const { commands } = instructions;
  return [
    `# 1. Forward 127.0.0.1:${instructions.localPort} to manager ${instructions.instanceId} (${instructions.region}); leave it running:`,
    commands.portForward,
    '# 2. In another terminal, a docker context for the swarm:',
    commands.dockerContext,
    commands.nodeList,
    '# Or, for this shell only:',
    `${commands.dockerHost} && docker node ls`,
  ].join('\n');
}
