import { mkdir, mkdtemp, readFile, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isCheckDockerfileArgs, isDockerfileRef, isSaveDockerfileArgs } from '../shared/editor-api'
import { checkDockerfileText, createEditorApi } from './api-editor'

let root: string
let project: string
const api = createEditorApi().handlers

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'layerlab-editor-')))
  project = path.join(root, 'project')
  await mkdir(project)
  await writeFile(path.join(project, 'Dockerfile'), 'FROM scratch\nLABEL a=b\n')
  await writeFile(path.join(root, 'outside.Dockerfile'), 'FROM scratch\n')
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('readDockerfile / saveDockerfile', () => {
  it('reads and atomically saves a Dockerfile inside the project, leaving no temporary file', async () => {
    expect(await api.readDockerfile({ dir: project, dockerfile: 'Dockerfile' })).toEqual({ text: 'FROM scratch\nLABEL a=b\n' })
    expect(await api.saveDockerfile({ dir: project, dockerfile: 'Dockerfile', text: 'FROM scratch\nLABEL a=c\n' })).toEqual({ saved: true })
    expect(await readFile(path.join(project, 'Dockerfile'), 'utf8')).toBe('FROM scratch\nLABEL a=c\n')
    expect(await readdir(project)).toEqual(['Dockerfile'])
  })

  it('creates a new Dockerfile in a folder of the project', async () => {
    await api.saveDockerfile({ dir: project, dockerfile: 'dev.Dockerfile', text: 'FROM scratch\n' })
    expect(await readFile(path.join(project, 'dev.Dockerfile'), 'utf8')).toBe('FROM scratch\n')
  })

  it('refuses paths outside the project, also through symlinks', async () => {
    await symlink(path.join(root, 'outside.Dockerfile'), path.join(project, 'link.Dockerfile'))
    await symlink(root, path.join(project, 'up'))
    for (const dockerfile of ['../outside.Dockerfile', path.join(root, 'outside.Dockerfile'), 'link.Dockerfile', 'up/new.Dockerfile']) {
      await expect(api.saveDockerfile({ dir: project, dockerfile, text: 'x' })).rejects.toMatchObject({ code: 'bad-request' })
    }
    await expect(api.readDockerfile({ dir: project, dockerfile: 'link.Dockerfile' })).rejects.toMatchObject({ code: 'bad-request' })
    expect(await readFile(path.join(root, 'outside.Dockerfile'), 'utf8')).toBe('FROM scratch\n')
    await expect(readdir(root)).resolves.toEqual(['outside.Dockerfile', 'project'])
  })
})

describe('checkDockerfile', () => {
  it('reports an unknown instruction as an error at its line', () => {
    const [first, ...rest] = checkDockerfileText('FROM scratch\nFOO bar\n')
    expect(rest).toEqual([])
    expect(first).toMatchObject({ severity: 'error', range: { start: { line: 2 } } })
    expect(first?.message).toContain('unknown instruction')
  })

  it('reports lint warnings with their rule and nothing for a clean file', async () => {
    const found = (await api.checkDockerfile({ text: 'FROM scratch AS Build\nLABEL a=b\n' })).diagnostics
    expect(found).toEqual([expect.objectContaining({ severity: 'warning', rule: 'StageNameCasing' })])
    expect(checkDockerfileText('FROM scratch\nLABEL a=b\n')).toEqual([])
  })
})

describe('editor guards', () => {
  it('accept the contract shapes only', () => {
    expect(isDockerfileRef({ dir: '/p', dockerfile: 'Dockerfile' })).toBe(true)
    expect(isDockerfileRef({ dir: '/p' })).toBe(false)
    expect(isSaveDockerfileArgs({ dir: '/p', dockerfile: 'Dockerfile', text: '' })).toBe(true)
    expect(isSaveDockerfileArgs({ dir: '/p', dockerfile: 'Dockerfile', text: 1 })).toBe(false)
    expect(isCheckDockerfileArgs({ text: 'x'.repeat(2 * 1024 * 1024) })).toBe(false)
    expect(isCheckDockerfileArgs({ text: 'FROM scratch', extra: 1 })).toBe(false)
  })
})
