/**
 * The credential source of the deployed bundles: serverless.yml's `custom.esbuild.alias` puts this module where every
 * SDK client imports `@aws-sdk/credential-provider-node` (the default chain). On Lambda the execution role's keys are
 * always in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: "Defined runtime
 * environment variables", https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
 * and the chain's first provider, fromEnv, is the one that answers there. The rest of the chain (profiles, SSO, web
 * identity, the container and instance metadata endpoints, and the STS/SSO clients they carry) is never reached on
 * Lambda and cost every bundle about 135 KB and its module init. Locally nothing is bundled: the sandbox and the
 * tests run the SDK's own chain.
 */
export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';
