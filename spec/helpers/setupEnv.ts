// The one place the tests set their environment (jest's setupFiles): every test process, and the
// processes the specs start, which inherit it (spec/helpers/run.ts passes process.env on).

// Silent, whatever the developer's shell says (POWERTOOLS_LOG_LEVEL=DEBUG, or LOG_LEVEL, which the
// Powertools Logger reads when this is unset): the default logger would print every decision of
// every test. A test that checks logging passes its own logger or level, or sets this variable for
// the process it starts.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
// Lambda's log level control beats every other setting of the Powertools Logger, the level above
// and the ones tests pass included; it belongs to a Lambda function, not to a test run.
delete process.env.AWS_LAMBDA_LOG_LEVEL;
// The AWS SDK warns once per process that its 2027 releases need Node 22; it says nothing about
// the DynamoDB specs, which run on Node 20 as the package supports.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
