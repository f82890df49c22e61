/**
 * Prints the plain closing line `N passed, N failed[, N skipped]` as the very last line of the
 * run (after jest's own summary), so a tool that reads only the closing line (CI) sees the count.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
    // Jest's summary reporter prints after custom reporters; writing at exit keeps ours last.
    process.once('exit', () => process.stdout.write(`${line}\n`));
  }
}
module.exports = SummaryReporter;
