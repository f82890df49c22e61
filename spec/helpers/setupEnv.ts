// The default Powertools logger would print every decision of every test; tests that check
// logging pass their own logger or set the level explicitly.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
