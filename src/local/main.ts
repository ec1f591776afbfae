/**
 * `npm start`: the whole service on this machine, no AWS account needed. Environment:
 *   PORT (3000), SIM_TIME_SCALE (1), LOCAL_DATA_DIR (.local-data/dynamodb), LOCAL_PRINCIPAL (local-user),
 *   REAPER_INTERVAL_SECONDS (60; 0 turns the local reaper off), and any AWS_ENDPOINT_URL_<SERVICE> to use another
 *   emulator (or real AWS) for that service.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import './polyfills';

// Before any module builds its logger or SDK client.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const { startLocalCloud } = await import('./local-cloud');
  const dataDir = resolve(process.env.LOCAL_DATA_DIR ?? '.local-data/dynamodb');
  mkdirSync(dataDir, { recursive: true });
  const started = Date.now();
  const time = () => new Date().toISOString().slice(11, 23);
  const cloud = await startLocalCloud({
    port: Number(process.env.PORT ?? 3000),
    dataDir,
    timeScale: process.env.SIM_TIME_SCALE ? Number(process.env.SIM_TIME_SCALE) : undefined,
    principal: process.env.LOCAL_PRINCIPAL,
    log: (line) => console.log(`${time()} ${line}`),
  });
  console.log(`${time()} swarm-provisioner is up in ${Date.now() - started} ms: ${cloud.url}`);
  console.log(`${time()} try: curl -s -X POST ${cloud.url}/clusters -H 'content-type: application/json' -d '{"name":"demo"}'`);
  const stop = async () => {
    console.log(`${time()} stopping`);
    await cloud.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error('swarm-provisioner could not start:', error);
  process.exit(1);
});
