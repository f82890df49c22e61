// The default Powertools logger would print every decision of every test; tests that check
// logging pass their own logger or set the level explicitly.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
// The AWS SDK warns once per process that its 2027 releases need Node 22; it says nothing about
// the DynamoDB specs, which run on Node 20 as the package supports.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
