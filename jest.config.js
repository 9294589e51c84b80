/** Unit specs sit beside their code; e2e and integration specs live in test/. */
const base = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }] },
  testEnvironment: 'node',
  // The client package imports with .js extensions (its ESM build runs in browsers as is); tests run its sources.
  moduleNameMapper: {
    '^@portcullis/client$': '<rootDir>/packages/client/src/index.ts',
    '^@portcullis/client/react$': '<rootDir>/packages/client/src/react/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};
module.exports = {
  projects: [
    { ...base, displayName: 'unit', rootDir: '.', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...base, displayName: 'client', rootDir: '.', testMatch: ['<rootDir>/packages/client/src/**/*.spec.ts'] },
    { ...base, displayName: 'e2e', rootDir: '.', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
