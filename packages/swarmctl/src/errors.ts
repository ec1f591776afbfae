/** Exit codes: what a script calling swarmctl can branch on (docs/cli.md). */
export const EXIT = {
  ok: 0,
  /** The cluster ended FAILED, DELETE_FAILED or UPDATE_FAILED, an update rolled back, or the API refused the request. */
  failed: 1,
  /** Bad arguments or configuration: nothing was sent. */
  usage: 2,
  /** --wait's deadline passed first; the cluster carries on. */
  timeout: 3,
} as const;

/** Bad arguments or configuration; exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The operation ran and did not get what was asked for (a rollback, FAILED); exits 1 with the reason. */
export class OutcomeError extends Error {
  override readonly name = 'OutcomeError';
}
