import { ESLint } from 'eslint'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The import rules in eslint.config.js are the architecture's guard rails; these cases keep
// them from quietly matching nothing after a refactor.
const eslint = new ESLint({ cwd: fileURLToPath(new URL('..', import.meta.url)) })

async function restrictedImportErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax')
    .map((m) => m.message)
}

const refused: [string, string, RegExp][] = [
  ['src/engine/a.ts', "import { app } from 'electron'", /one way/],
  ['src/engine/a.ts', "import { useState } from 'react'", /one way/],
  ['src/engine/a.ts', "import { x } from '../main/window'", /one way/],
  ['src/engine/build/a.ts', "import D from 'dockerode'", /only in src\/engine\/docker/],
  ['src/renderer/a.ts', "import { readFileSync } from 'node:fs'", /no Node access/],
  ['src/renderer/a.ts', "import path from 'path'", /no Node access/],
  ['src/renderer/a.ts', "import { createEngineApi } from '../engine'", /one way/],
  ['src/renderer/components/a.tsx', "import { x } from '../../engine/api'", /one way/],
  ['src/renderer/a.ts', "import { ipcRenderer } from 'electron'", /no Electron or Node access/],
  ['src/main/window.ts', "import { ipcMain } from 'electron'", /Only src\/preload and src\/main\/ipc.ts/],
  ['src/main/a.ts', "import * as electron from 'electron'\nelectron.ipcMain.handle('x', () => 1)", /Only src\/preload/],
  ['src/main/a.ts', "import { dockerClient } from '../engine/docker/daemon-status'", /src\/engine\/index.ts only/],
  ['src/cli/a.ts', "import { x } from '../renderer/app'", /one way/],
  ['src/shared/a.ts', "import WebSocket from 'ws'", /imports nothing outside itself/],
  ['src/shared/a.ts', "import { x } from '../engine'", /one way/],
  ['src/preload/a.ts', "import { x } from '../engine'", /one way/],
  ['src/preload/a.ts', "import { readFileSync } from 'node:fs'", /only electron and src\/shared/],
]

const allowed: [string, string][] = [
  ['src/engine/docker/a.ts', "import D from 'dockerode'"],
  ['src/engine/a.ts', "import type { EngineInfo } from '../shared/engine-info'"],
  ['src/main/ipc.ts', "import { ipcMain } from 'electron'"],
  ['src/main/a.ts', "import { createEngineApi } from '../engine'"],
  ['src/cli/a.ts', "import { createEngineApi } from '../engine'"],
  ['src/preload/a.ts', "import { contextBridge, ipcRenderer } from 'electron'"],
  ['src/renderer/a.ts', "import { createClient } from '../shared/rpc'"],
  ['src/shared/a.ts', "import type { RequestName } from './contract'"],
]

describe('architecture import rules', () => {
  it.each(refused)('%s refuses %s', async (file, code, message) => {
    const errors = await restrictedImportErrors(file, code)
    expect(errors.join('\n')).toMatch(message)
  })

  it.each(allowed)('%s allows %s', async (file, code) => {
    expect(await restrictedImportErrors(file, code)).toEqual([])
  })
})
