/**
 * Prints the plain closing line `N passed, N failed[, N skipped]` as the very last line of the
 * run (after jest's own summary), so a tool that reads only the closing line (CI) sees the count.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    // A suite that fails outside any test (a hook, a syntax error) counts as a failure too:
    // otherwise a red run could close with "0 failed".
    const suiteErrors = results.testResults.filter((r) => r.testExecError != null || (r.failureMessage && r.numFailingTests === 0)).length;
    const failed = results.numFailedTests + suiteErrors;
    const line = `${results.numPassedTests} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
    // Jest's summary reporter prints after custom reporters; writing at exit keeps ours last.
    process.once('exit', () => process.stdout.write(`${line}\n`));
  }
}
module.exports = SummaryReporter;
