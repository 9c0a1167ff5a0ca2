import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openProject } from './api-project'

let root: string
let project: string

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'layerlab-project-'))
  project = path.join(root, 'project')
  await mkdir(project)
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

async function files(entries: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(entries)) {
    await mkdir(path.dirname(path.join(project, name)), { recursive: true })
    await writeFile(path.join(project, name), text)
  }
}

describe('openProject', () => {
  it('lists the Dockerfiles of the top two levels and the stages of the default one', async () => {
    await files({
      Dockerfile: 'FROM scratch AS base\nLABEL a=b\n\nFROM base AS app\nCOPY . /\n\nFROM scratch\n',
      'Dockerfile.dev': 'FROM scratch\n',
      'web.Dockerfile': 'FROM scratch\n',
      'services/api.Dockerfile': 'FROM scratch\n',
      'services/deeper/Dockerfile': 'FROM scratch\n',
      'node_modules/Dockerfile': 'FROM scratch\n',
      'README.md': '# not a Dockerfile\n',
    })
    const info = await openProject({ dir: project })
    expect(info.dir).toBe(project)
    expect(info.dockerfiles).toEqual(['Dockerfile', 'Dockerfile.dev', 'web.Dockerfile', 'services/api.Dockerfile'])
    expect(info.dockerfile).toBe('Dockerfile')
    expect(info.stages).toEqual([
      { index: 0, name: 'base', base: 'scratch', line: 1 },
      { index: 1, name: 'app', base: 'base', line: 4 },
      { index: 2, name: null, base: 'scratch', line: 7 },
    ])
    expect(info.stagesError).toBeUndefined()
  })

  it('describes the Dockerfile asked for, and uses the first found when there is no plain Dockerfile', async () => {
    await files({ 'b.Dockerfile': 'FROM scratch AS one\n', 'a.Dockerfile': 'FROM scratch AS two\n' })
    expect(await openProject({ dir: project })).toMatchObject({ dockerfile: 'a.Dockerfile', stages: [{ name: 'two' }] })
    expect(await openProject({ dir: project, dockerfile: 'b.Dockerfile' })).toMatchObject({
      dockerfile: 'b.Dockerfile',
      stages: [{ name: 'one' }],
    })
  })

  it('says where a Dockerfile does not parse instead of failing the whole project', async () => {
    await files({ Dockerfile: 'FROM scratch\nNOINSTRUCTION x\n' })
    const info = await openProject({ dir: project })
    expect(info.stages).toEqual([])
    expect(info.stagesError).toMatchObject({ code: 'parse-error', location: { start: { line: 2 } } })
  })

  it('explains a folder without a Dockerfile, a file, a missing path and a relative path', async () => {
    await expect(openProject({ dir: project })).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining('has no Dockerfile') as string })
    await files({ 'notes.txt': 'x' })
    await expect(openProject({ dir: path.join(project, 'notes.txt') })).rejects.toMatchObject({
      code: 'bad-request',
      message: expect.stringContaining('not a directory') as string,
    })
    await expect(openProject({ dir: path.join(root, 'nope') })).rejects.toMatchObject({ code: 'not-found' })
    await expect(openProject({ dir: 'project' })).rejects.toMatchObject({ code: 'bad-request', message: expect.stringContaining('absolute') as string })
  })

  it('does not list or describe Dockerfiles that link outside the project', async () => {
    await writeFile(path.join(root, 'secret.Dockerfile'), 'FROM scratch AS secret\n')
    await files({ Dockerfile: 'FROM scratch\n' })
    await symlink(path.join(root, 'secret.Dockerfile'), path.join(project, 'linked.Dockerfile'))
    expect((await openProject({ dir: project })).dockerfiles).toEqual(['Dockerfile'])
    await expect(openProject({ dir: project, dockerfile: 'linked.Dockerfile' })).rejects.toMatchObject({ code: 'bad-request' })
    await expect(openProject({ dir: project, dockerfile: '../secret.Dockerfile' })).rejects.toMatchObject({ code: 'bad-request' })
  })

  it('opens a project reached through a symlink under its real path', async () => {
    await files({ Dockerfile: 'FROM scratch\n' })
    await symlink(project, path.join(root, 'alias'))
    expect((await openProject({ dir: path.join(root, 'alias') })).dir).toBe(project)
  })
})
