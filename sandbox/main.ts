/**
 * `npm start`: the whole service on this machine, no AWS account needed. Environment:
 *   PORT (3000), SIM_TIME_SCALE (1), LOCAL_DATA_DIR (.local-data: dynamodb/ and cloud/ inside, see data-dir.ts),
 *   LOCAL_PRINCIPAL (local-user),
 *   LOCAL_API_KEY (unset: the open sandbox), SLACK_SIGNING_SECRET / SLACK_TEAM_IDS (the slash command),
 *   REAPER_INTERVAL_SECONDS (60; 0 turns the local reaper off), RECONCILER_INTERVAL_SECONDS (60; it also runs at
 *   start), HEALTH_INTERVAL_SECONDS (60; 0 turns the local health sweep off), and any AWS_ENDPOINT_URL_<SERVICE> to use another
 *   emulator (or real AWS) for that service.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { DataDirInUseError, localDataLayout } from './data-dir';

// Before any module builds its logger or SDK client.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const { startLocalCloud } = await import('./local-cloud');
  const layout = localDataLayout();
  mkdirSync(layout.root, { recursive: true });
  const started = Date.now();
  const time = () => new Date().toISOString().slice(11, 23);
  const cloud = await startLocalCloud({
    port: Number(process.env.PORT ?? 3000),
    dataDir: layout.root,
    timeScale: process.env.SIM_TIME_SCALE ? Number(process.env.SIM_TIME_SCALE) : undefined,
    principal: process.env.LOCAL_PRINCIPAL,
    apiKey: process.env.LOCAL_API_KEY || undefined,
    log: (line) => console.log(`${time()} ${line}`),
  });
  // Where `npm run keys -- --local ...` finds this process's DynamoDB (it listens on a free port).
  const endpointsFile = layout.endpointsFile;
  if (cloud.dynamodbEndpoint) writeFileSync(endpointsFile, `${JSON.stringify({ dynamodb: cloud.dynamodbEndpoint, apiKeysTable: cloud.deps.config.apiKeysTable }, null, 2)}\n`);
  console.log(`${time()} swarm-provisioner is up in ${Date.now() - started} ms: ${cloud.url} (web console: ${cloud.url}/console/)`);
  if (cloud.access === 'open') {
    const bar = '!'.repeat(100);
    console.log(`${time()} ${bar}`);
    console.log(`${time()} OPEN LOCAL SANDBOX: requests without credentials act as "${cloud.principal}". Nothing checks who calls.`);
    console.log(`${time()} Set LOCAL_API_KEY=<a long random string> to require "Authorization: Bearer <key>" on every route but Slack's.`);
    console.log(`${time()} ${bar}`);
    console.log(`${time()} try: curl -s -X POST ${cloud.url}/clusters -H 'content-type: application/json' -d '{"name":"demo"}'`);
  } else {
    console.log(`${time()} API keys required: LOCAL_API_KEY acts as "${cloud.principal}"; requests without a valid key get 401.`);
    console.log(`${time()} try: curl -s -X POST ${cloud.url}/clusters -H "authorization: Bearer $LOCAL_API_KEY" -H 'content-type: application/json' -d '{"name":"demo"}'`);
  }
  const stop = async () => {
    console.log(`${time()} stopping`);
    rmSync(endpointsFile, { force: true });
    await cloud.close();
    process.exit(0);
  };
  // One Ctrl-C reaches this process more than once: the terminal signals the whole process group (npm, tsx and this
  // node), npm forwards it to its script and tsx relays it to this node. A repeat within a second is that echo and
  // must not cut the clean-up short (a once() handler would leave the repeat to the default action: killed, with the
  // data folder's files half written); a later one is a person insisting, and ends the process at once.
  let stopping: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping === undefined) {
      stopping = Date.now();
      void stop();
    } else if (Date.now() - stopping > 1000) {
      console.log(`${time()} ${signal} again: exiting without finishing the clean-up`);
      process.exit(128 + constants.signals[signal]);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

main().catch((error: unknown) => {
  // One line a person can act on; the stack trace would only hide it.
  if (error instanceof DataDirInUseError) console.error(error.message);
  else console.error('swarm-provisioner could not start:', error);
  process.exit(1);
});
