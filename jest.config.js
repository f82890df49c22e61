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
  reporters: ['default', '<rootDir>/spec/helpers/summaryReporter.js'],
  projects: [
    {
      ...common,
      displayName: 'legacy-decorators',
      testMatch: ['<rootDir>/spec/**/*.spec.ts'],
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
