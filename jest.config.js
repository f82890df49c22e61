/** Two projects: legacy decorators (NestJS style) and TC39 standard decorators. */
const { entries } = require('./scripts/entries.cjs');

// Samples import the package by name, as users do; tests run them against the source.
const packageToSource = Object.fromEntries(entries().map((e) => [`^${e.specifier}$`, `<rootDir>/${e.source}`]));

const common = {
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/spec/helpers/setupEnv.ts'],
  moduleNameMapper: packageToSource,
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60_000,
  maxWorkers: 2,
  // A worker that holds no handle still needs time to exit: after its 'exit' event Node tears down
  // a heap of 100-200 MB, measured (strace) at 250-600 ms on a CPU-starved 2-core machine, past
  // jest's 500 ms, and jest then reports a leak that is not there. A real leak (an open socket, a
  // timer not unref'd) still keeps the worker alive past this and is still reported.
  workerGracefulExitTimeout: 3_000,
  reporters: ['default', '<rootDir>/spec/helpers/summaryReporter.js'],
  projects: [
    {
      ...common,
      displayName: 'legacy-decorators',
      testMatch: ['<rootDir>/spec/**/*.spec.ts', '<rootDir>/samples/testing/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.standard\\.spec\\.ts$'],
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
    },
    {
      ...common,
      displayName: 'standard-decorators',
      testMatch: ['<rootDir>/spec/**/*.standard.spec.ts'],
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.standard.json' }] },
    },
  ],
};
