/**
 * Which AWS API calls each Lambda function's code can make, read from the code itself: every function's handler
 * export is bundled on its own with esbuild (as serverless-esbuild bundles it, but as an ES module so that the other
 * exports of a shared module are shaken out), and esbuild's metafile says which SDK command modules ended up in
 * the bundle. A command module is only in a bundle when code reachable from the handler imports it; the SDK
 * clients are published with `"sideEffects": false`, so an unused command is never carried along.
 */
import { build, type Plugin } from 'esbuild';
import { resolve } from 'node:path';

export interface FunctionEntry {
  /** The function's name in serverless.yml. */
  name: string;
  /** `path/to/module.export`, as in serverless.yml and the packaged template's `Handler`. */
  handler: string;
}

const ROOT = resolve(__dirname, '../../..');
const COMMAND_MODULE = /node_modules\/@aws-sdk\/client-([a-z0-9-]+)\/dist-es\/commands\/(\w+)Command\.js$/;

/** The SDK client package → the service prefix IAM uses for its actions. */
const IAM_PREFIX: Record<string, string> = {
  // Auto Scaling's SDK client is client-auto-scaling, its IAM prefix `autoscaling` (Service Authorization Reference,
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html).
  'auto-scaling': 'autoscaling',
  cloudformation: 'cloudformation',
  dynamodb: 'dynamodb',
  ec2: 'ec2',
  // EventBridge's SDK client is client-eventbridge, its IAM prefix `events` (PutEventsCommand → events:PutEvents;
  // Service Authorization Reference, "Actions defined by Amazon EventBridge":
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html).
  eventbridge: 'events',
  lambda: 'lambda',
  sfn: 'states',
  ssm: 'ssm',
  iam: 'iam',
  sts: 'sts',
};

/**
 * Where a command's IAM action is not `<prefix>:<operation>`, or needs more than one action. Sources:
 * - Lambda Invoke is authorized as lambda:InvokeFunction (Service Authorization Reference, "Actions defined by AWS
 *   Lambda": https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html).
 * - CreateStack, UpdateStack, ContinueUpdateRollback and DeleteStack with a RoleARN also need iam:PassRole on that role ("AWS CloudFormation
 *   service role": https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html); the
 *   stack gateway and the stack updater always send the service role (CancelUpdateStack takes none).
 */
const SPECIAL: Record<string, string[]> = {
  'lambda:Invoke': ['lambda:InvokeFunction'],
  'cloudformation:CreateStack': ['cloudformation:CreateStack', 'iam:PassRole'],
  'cloudformation:DeleteStack': ['cloudformation:DeleteStack', 'iam:PassRole'],
  'cloudformation:UpdateStack': ['cloudformation:UpdateStack', 'iam:PassRole'],
  'cloudformation:ContinueUpdateRollback': ['cloudformation:ContinueUpdateRollback', 'iam:PassRole'],
};

/**
 * Commands a client carries for itself and never sends unless configured to: DynamoDB's endpoint discovery
 * (DescribeEndpoints) is off unless `endpointDiscoveryEnabled` is set, which this service never does.
 */
const CLIENT_INTERNAL = new Set(['dynamodb:DescribeEndpoints']);

/** The IAM actions a set of SDK commands (`<package>:<Operation>`, e.g. `sfn:StartExecution`) needs. */
export function iamActionsOf(commands: Iterable<string>): Set<string> {
  const actions = new Set<string>();
  for (const command of commands) {
    const [client, operation] = command.split(':') as [string, string];
    const prefix = IAM_PREFIX[client];
    if (!prefix) throw new Error(`no IAM prefix known for the SDK client "${client}" (command ${command}); add it to IAM_PREFIX`);
    const action = `${prefix}:${operation}`;
    if (CLIENT_INTERNAL.has(action)) continue;
    for (const needed of SPECIAL[action] ?? [action]) actions.add(needed);
  }
  return actions;
}

/**
 * @aws-sdk/lib-dynamodb does not declare itself free of side effects, so esbuild would keep every command module
 * of its index (Scan, BatchWrite, Transact...) in any bundle that uses the DocumentClient, and with them the
 * client-dynamodb commands they wrap. Its modules only declare classes; saying so here keeps exactly the wrappers
 * the code imports, and the client-dynamodb commands those wrap.
 */
const documentClientIsPure: Plugin = {
  name: 'lib-dynamodb-is-side-effect-free',
  setup(builder) {
    builder.onResolve({ filter: /^@aws-sdk\/lib-dynamodb$/ }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      const resolved = await builder.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'resolving' });
      return { path: resolved.path, sideEffects: false };
    });
  },
};

const SDK_RUNTIME = ['@smithy/*', '@aws-sdk/core', '@aws-sdk/core/*', '@aws-sdk/credential-provider-*', '@aws-sdk/nested-clients', '@aws-sdk/nested-clients/*', '@aws-sdk/middleware-*', '@aws-sdk/util-*', '@aws-sdk/region-config-resolver', '@aws-sdk/token-providers', '@aws-sdk/xml-builder', '@aws-sdk/signature-v4-multi-region'];

function entryOf(handler: string): { file: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  return { file: resolve(ROOT, `${handler.slice(0, dot)}.ts`), exportName: handler.slice(dot + 1) };
}

export interface FunctionCode {
  /** SDK commands, as `<client package>:<Operation>` (e.g. `cloudformation:CreateStack`). */
  commands: Set<string>;
  /** The project's own source files in the bundle, relative to the repository (e.g. `src/adapters/...ts`). */
  sources: Set<string>;
}

/** What each function's bundle holds: its SDK commands and the project's source files. */
export async function bundledCode(functions: FunctionEntry[]): Promise<Map<string, FunctionCode>> {
  const byName = new Map(functions.map((fn) => [fn.name, entryOf(fn.handler)]));
  const virtualEntries: Plugin = {
    name: 'one-entry-per-function',
    setup(builder) {
      builder.onResolve({ filter: /^function:/ }, (args) => ({ path: args.path.slice('function:'.length), namespace: 'function' }));
      builder.onLoad({ filter: /.*/, namespace: 'function' }, (args) => {
        const entry = byName.get(args.path)!;
        return { contents: `export { ${entry.exportName} as handler } from ${JSON.stringify(entry.file)};`, resolveDir: ROOT, loader: 'ts' };
      });
    },
  };
  const result = await build({
    entryPoints: functions.map((fn) => ({ in: `function:${fn.name}`, out: fn.name })),
    plugins: [virtualEntries, documentClientIsPure],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    // The SDK's runtime (signing, retries, the credential chain, HTTP) never imports a service client's commands:
    // left out, it makes each bundle a tenth of the size and the build several times faster.
    external: SDK_RUNTIME,
    mainFields: ['module', 'main'],
    outdir: resolve(ROOT, '.esbuild-permissions'),
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const code = new Map<string, FunctionCode>();
  for (const meta of Object.values(result.metafile.outputs)) {
    if (!meta.entryPoint?.startsWith('function:')) continue;
    const commands = new Set<string>();
    const sources = new Set<string>();
    for (const [input, contribution] of Object.entries(meta.inputs)) {
      if (contribution.bytesInOutput === 0) continue;
      const match = COMMAND_MODULE.exec(input);
      if (match) commands.add(`${match[1]}:${match[2]}`);
      else if (!input.includes('node_modules/') && input.startsWith('src/')) sources.add(input);
    }
    code.set(meta.entryPoint.slice('function:'.length), { commands, sources });
  }
  return code;
}

export interface PermissionDrift {
  /** Actions the code sends that the role does not allow. */
  missing: string[];
  /** Actions the role allows that the code never sends. */
  unused: string[];
}

/** Compares what a function sends with what its role allows (both as IAM actions, without wildcards). */
export function permissionDrift(sent: Set<string>, allowed: Set<string>): PermissionDrift {
  return {
    missing: [...sent].filter((action) => !allowed.has(action)).sort(),
    unused: [...allowed].filter((action) => !sent.has(action)).sort(),
  };
}
