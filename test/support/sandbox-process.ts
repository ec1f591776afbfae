/**
 * `npm start` (sandbox/main.ts) in a child process, shared by the end-to-end tests that run the real entry point:
 * restart.test.ts (tsx directly, to crash and restart it) and npm-start.test.ts (`npm start` itself, as a user types it).
 */
import { resolve } from 'node:path';
import { eventually } from './webhook-receiver';

export const ROOT = resolve(__dirname, '../..');

/**
 * The child's environment: this test's, without what another test's local cloud may have left behind (its endpoints,
 * its reconciler settings), and with `overrides` on top; an override of `undefined` removes the variable.
 */
export function sandboxEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_ENDPOINT_URL') && !name.startsWith('RECONCILER_')));
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** The line sandbox/main.ts prints once it serves requests. */
const UP = /is up in \d+ ms: (http:\S+)/;

/** Waits (deadline `deadlineMs`) for the "is up" line and answers its URL; fails with the output if the child exits first. */
export async function sandboxUrl(output: () => string, exited: () => boolean, deadlineMs = 90_000): Promise<string> {
  const text = await eventually(async () => output(), (seen) => UP.test(seen) || exited(), deadlineMs, 100);
  const url = UP.exec(text)?.[1];
  if (!url) throw new Error(`npm start did not come up:\n${text}`);
  return url;
}
