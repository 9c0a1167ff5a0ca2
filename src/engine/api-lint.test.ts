import { mkdir, mkdtemp, readFile, readdir, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isCheckDockerfileArgs, isCreateDockerignoreArgs } from '../shared/editor-api'
import { createEditorApi } from './api-editor'
import { openStore } from './store'

let root: string
let project: string
let api: ReturnType<typeof createEditorApi>['handlers']

const text = 'FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN apt-get update\n'

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'layerlab-lint-api-')))
  project = path.join(root, 'project')
  await mkdir(path.join(project, 'node_modules', 'left-pad'), { recursive: true })
  await writeFile(path.join(project, 'node_modules', 'left-pad', 'index.js'), 'x'.repeat(1200))
  await writeFile(path.join(project, 'Dockerfile'), text)
  let store: ReturnType<typeof openStore> | undefined
  api = createEditorApi({ store: () => (store ??= openStore(path.join(root, 'store'))) }).handlers
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('checkDockerfile with the size and cache lint', () => {
  it('returns findings with rule, doc, range and fixes for a bare text, without costs', async () => {
    const { diagnostics, costBuild } = await api.checkDockerfile({ text })
    expect(costBuild).toBeUndefined()
    expect(diagnostics.map((d) => `${d.rule}@${d.range.start.line}:${d.range.start.column}`)).toEqual(['copy-all-before-deps@3:6', 'consecutive-runs@5:1', 'apt-update-alone@5:5'])
    const update = diagnostics[2]
    expect(update).toMatchObject({ severity: 'warning', doc: expect.stringContaining('apt-get update in a RUN of its own') })
    expect(update?.cost).toBeUndefined()
  })

  it('with the project, finds node_modules without a .dockerignore, measured, and the fix creates one', async () => {
    const found = (await api.checkDockerfile({ text, dir: project, dockerfile: 'Dockerfile' })).diagnostics
    const missing = found.find((d) => d.rule === 'dockerignore-missing')
    expect(missing?.range).toEqual({ start: { line: 3, column: 6 }, end: { line: 3, column: 7 } })
    expect(missing?.cost).toEqual({ text: 'context: node_modules (1.2kB in 1 files)', bytes: 1200 })
    const fix = missing?.fixes?.[0]
    expect(fix).toEqual({ title: 'Create .dockerignore with node_modules', edits: [], createFile: { path: '.dockerignore', text: 'node_modules\n' } })

    expect(await api.createDockerignore({ dir: project, text: fix?.createFile?.text ?? '' })).toEqual({ created: path.join(project, '.dockerignore') })
    expect(await readFile(path.join(project, '.dockerignore'), 'utf8')).toBe('node_modules\n')
    expect((await readdir(project)).sort()).toEqual(['.dockerignore', 'Dockerfile', 'node_modules'])
    const after = (await api.checkDockerfile({ text, dir: project, dockerfile: 'Dockerfile' })).diagnostics
    expect(after.map((d) => d.rule)).not.toContain('dockerignore-missing')
  })

  it('never overwrites a .dockerignore and writes only into a project folder', async () => {
    await writeFile(path.join(project, '.dockerignore'), 'dist\n')
    await expect(api.createDockerignore({ dir: project, text: 'node_modules\n' })).rejects.toMatchObject({ code: 'bad-request', message: expect.stringContaining('already exists') })
    expect(await readFile(path.join(project, '.dockerignore'), 'utf8')).toBe('dist\n')
    expect((await readdir(project)).sort()).toEqual(['.dockerignore', 'Dockerfile', 'node_modules'])
    await expect(api.createDockerignore({ dir: 'relative/dir', text: 'x\n' })).rejects.toMatchObject({ code: 'bad-request' })
    await expect(api.createDockerignore({ dir: path.join(root, 'nope'), text: 'x\n' })).rejects.toMatchObject({ code: 'not-found' })
  })

  it('a .dockerignore that does not exclude node_modules is reported without a file fix', async () => {
    await writeFile(path.join(project, '.dockerignore'), 'dist\n')
    const missing = (await api.checkDockerfile({ text, dir: project, dockerfile: 'Dockerfile' })).diagnostics.find((d) => d.rule === 'dockerignore-missing')
    expect(missing?.message).toBe('The .dockerignore does not exclude node_modules: COPY . . copies it into the image')
    expect(missing?.fixes).toBeUndefined()
  })

  it('refuses a Dockerfile outside the project and a build id that is not one', async () => {
    await expect(api.checkDockerfile({ text, dir: project, dockerfile: '../x/Dockerfile' })).rejects.toMatchObject({ code: 'bad-request' })
    await expect(api.checkDockerfile({ text, dir: project, dockerfile: 'Dockerfile', buildId: 'no-such-build' })).rejects.toMatchObject({ code: 'not-found' })
    expect(isCheckDockerfileArgs({ text, dir: project })).toBe(false)
    expect(isCheckDockerfileArgs({ text, dir: project, dockerfile: 'Dockerfile', buildId: '../x' })).toBe(false)
    expect(isCheckDockerfileArgs({ text, dir: project, dockerfile: 'Dockerfile', buildId: '20260101T000000000Z-abc' })).toBe(true)
    expect(isCreateDockerignoreArgs({ dir: project, text: 'x'.repeat(70_000) })).toBe(false)
  })
})
