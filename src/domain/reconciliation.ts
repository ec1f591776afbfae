/**
 * The reconciler's rules: which statuses a workflow drives, which execution drives a cluster in one of them, and how
 * a workflow started again is named. No AWS in here.
 */
import type { Cluster, ClusterStatus } from './cluster';

/**
 * Statuses a workflow drives, and the record field holding that workflow's execution. A status added later with a
 * workflow of its own (UPDATING, say) gets a row here, and the reconciler settles it like the others.
 */
const DRIVEN_BY = {
  CREATING: { workflow: 'create', execution: 'createExecutionArn' },
  DELETING: { workflow: 'delete', execution: 'deleteExecutionArn' },
  UPDATING: { workflow: 'update', execution: 'updateExecutionArn' },
} as const satisfies Partial<Record<ClusterStatus, { workflow: string; execution: keyof Cluster }>>;

export type TransitionalStatus = keyof typeof DRIVEN_BY;
export type DrivingWorkflow = (typeof DRIVEN_BY)[TransitionalStatus]['workflow'];

export function isTransitional(status: ClusterStatus): status is TransitionalStatus {
  return Object.hasOwn(DRIVEN_BY, status);
}

/** The workflow that drives a cluster in a transitional status, and its execution (undefined on a record that lost it). */
export function drivingExecution(cluster: Cluster & { status: TransitionalStatus }): { workflow: DrivingWorkflow; field: 'createExecutionArn' | 'deleteExecutionArn' | 'updateExecutionArn'; executionArn?: string } {
  const row = DRIVEN_BY[cluster.status];
  return { workflow: row.workflow, field: row.execution, executionArn: cluster[row.execution] };
}

/**
 * How many times a workflow may be started again for one transitional status before the cluster is ended instead:
 * a workflow that keeps vanishing is not going to finish the fourth time either, and a person should look.
 */
export const MAX_WORKFLOW_RESUMES = 3;

const RESUMED = /-resume-(\d+)$/;

/** 0 for a workflow's first execution, n for its n-th restart (`<name>-resume-<n>`). */
export function resumesOf(executionArn: string): number {
  const match = RESUMED.exec(executionArn);
  return match ? Number(match[1]) : 0;
}

/**
 * The ARN of the next restart: same state machine, name `<first name>-resume-<n+1>`. Step Functions keeps a
 * Standard execution's name taken for 90 days after it ends, so a restart needs a name of its own; deriving it from
 * the one before makes the restart idempotent (a repeated start meets ExecutionAlreadyExists, never a second run).
 */
export function resumedExecutionArn(executionArn: string): string {
  const next = resumesOf(executionArn) + 1;
  return `${executionArn.replace(RESUMED, '')}-resume-${next}`;
}
