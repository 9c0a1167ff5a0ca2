// @ts-check
import { builtinModules } from 'node:module'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`), 'node:*']

/** Relative paths into a layer, whatever the depth: `../engine`, `../../engine/x`, ... */
const layer = (name) => [`**/${name}`, `**/${name}/**`]

const msg = {
  direction: 'Imports point one way: shared <- engine <- main | cli; shared <- preload; shared <- renderer (shared/docs/architecture.md).',
  engineIndex: 'Reach the engine through src/engine/index.ts only.',
  ipc: 'Only src/preload and src/main/ipc.ts may touch ipcMain / ipcRenderer: add an entry to the contract instead.',
  dockerode: 'dockerode is imported only in src/engine/docker.',
}

const ipcImport = { name: 'electron', importNames: ['ipcMain', 'ipcRenderer'], message: msg.ipc }
const ipcMemberAccess = { selector: 'MemberExpression[property.name=/^ipc(Main|Renderer)$/]', message: msg.ipc }

/** One `no-restricted-imports` setting per layer; ESLint keeps only the last one that matches a file. */
function restrict({ paths = [], patterns = [] }) {
  return { 'no-restricted-imports': ['error', { paths, patterns }] }
}

function engineRestrictions({ allowDockerode }) {
  return restrict({
    paths: [
      { name: 'electron', message: msg.direction },
      { name: 'react', message: msg.direction },
      { name: 'react-dom', message: msg.direction },
      ...(allowDockerode ? [] : [{ name: 'dockerode', message: msg.dockerode }]),
    ],
    patterns: [
      { group: ['react-dom/*', 'react/*'], message: msg.direction },
      { group: [...layer('main'), ...layer('renderer'), ...layer('preload'), ...layer('cli')], message: msg.direction },
    ],
  })
}

const engineDeep = { regex: '^(\\.\\./)+engine/(?!index$).+', message: msg.engineIndex }

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.tsbuild/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'smart'],
      'no-restricted-syntax': ['error', ipcMemberAccess],
    },
  },
  {
    files: ['src/shared/**'],
    ignores: ['src/shared/**/*.test.ts'],
    rules: restrict({
      patterns: [
        { regex: '^(?!\\.{1,2}/)', message: 'src/shared imports nothing outside itself (no packages, no Node builtins).' },
        { group: ['../*'], message: msg.direction },
      ],
    }),
  },
  {
    // Tests of the contract may use the test runner, still nothing from the other layers.
    files: ['src/shared/**/*.test.ts'],
    rules: restrict({ patterns: [{ group: ['../*'], message: msg.direction }] }),
  },
  { files: ['src/engine/**'], rules: engineRestrictions({ allowDockerode: false }) },
  { files: ['src/engine/docker/**'], rules: engineRestrictions({ allowDockerode: true }) },
  {
    files: ['src/main/**'],
    rules: restrict({
      paths: [ipcImport, { name: 'dockerode', message: msg.dockerode }, { name: 'react', message: msg.direction }],
      patterns: [{ group: [...layer('renderer'), ...layer('preload'), ...layer('cli')], message: msg.direction }, engineDeep],
    }),
  },
  { files: ['src/main/ipc.ts', 'src/preload/**'], rules: { 'no-restricted-syntax': 'off' } },
  {
    files: ['src/main/ipc.ts'],
    rules: restrict({
      paths: [{ name: 'dockerode', message: msg.dockerode }, { name: 'react', message: msg.direction }],
      patterns: [{ group: [...layer('renderer'), ...layer('preload'), ...layer('cli')], message: msg.direction }, engineDeep],
    }),
  },
  {
    files: ['src/preload/**'],
    rules: restrict({
      patterns: [
        { group: [...layer('engine'), ...layer('main'), ...layer('renderer'), ...layer('cli')], message: msg.direction },
        { regex: '^(?!\\.{1,2}/|electron$)', message: 'The preload script imports only electron and src/shared.' },
      ],
    }),
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...restrict({
        paths: [
          { name: 'electron', message: 'The renderer has no Electron or Node access: use the API client.' },
          { name: 'dockerode', message: msg.dockerode },
          { name: 'ws', message: 'The renderer uses the browser WebSocket.' },
        ],
        patterns: [
          { group: nodeBuiltins, message: 'The renderer has no Node access: ask the engine through the API client.' },
          { group: [...layer('engine'), ...layer('main'), ...layer('preload'), ...layer('cli')], message: msg.direction },
        ],
      }),
    },
  },
  {
    files: ['src/cli/**'],
    // Tests may reach into engine internals to set up their fixtures.
    ignores: ['src/cli/**/*.test.ts'],
    rules: restrict({
      paths: [
        { name: 'electron', message: msg.direction },
        { name: 'react', message: msg.direction },
        { name: 'dockerode', message: msg.dockerode },
      ],
      patterns: [{ group: [...layer('main'), ...layer('renderer'), ...layer('preload')], message: msg.direction }, engineDeep],
    }),
  },
)
