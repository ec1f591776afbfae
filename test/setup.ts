// Tests never talk to real AWS: fixed fake credentials and region for every SDK client.
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.AWS_REGION ??= 'us-east-1';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
// No health-sweep timer in a local cloud a test starts: its DescribeInstances calls would land in tests that count
// them (node-inventory). A test that wants a sweep runs `cloud.sweepHealth()` itself.
process.env.HEALTH_INTERVAL_SECONDS ??= '0';
// Node 20 here, nodejs22.x on Lambda: the SDK's upgrade notice is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
