import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DockerignoreError, loadDockerignore, parseDockerignore } from './dockerignore'
import { removeDir, tempDir } from './testdata/make-context'

const golden = JSON.parse(readFileSync(new URL('./testdata/dockerignore-parse.json', import.meta.url), 'utf8')) as {
  cases: { name: string; input: string; patterns: string[] }[]
}

describe('parseDockerignore (ignorefile.ReadAll)', () => {
  it.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(parseDockerignore(c.input)).toEqual(c.patterns)
    expect(parseDockerignore(new TextEncoder().encode(c.input))).toEqual(c.patterns)
  })

  it('strips a BOM given as raw bytes', () => {
    expect(parseDockerignore(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0x0a]))).toEqual(['a'])
  })

  it('fails like bufio.Scanner on a line of 64 KiB or more', () => {
    expect(parseDockerignore('x'.repeat(65535))).toEqual(['x'.repeat(65535)])
    expect(() => parseDockerignore('x'.repeat(65536))).toThrow(new DockerignoreError('bufio.Scanner: token too long', null))
  })
})

describe('loadDockerignore precedence', () => {
  const dirs: string[] = []
  const dir = () => {
    const d = tempDir()
    dirs.push(d)
    return d
  }
  afterEach(() => {
    for (const d of dirs.splice(0)) removeDir(d)
  })

  it('uses <Dockerfile>.dockerignore next to the Dockerfile before the context one', async () => {
    const ctx = dir()
    writeFileSync(path.join(ctx, '.dockerignore'), 'from-context\n')
    mkdirSync(path.join(ctx, 'build'))
    writeFileSync(path.join(ctx, 'build', 'app.Dockerfile'), 'FROM scratch\n')
    writeFileSync(path.join(ctx, 'build', 'app.Dockerfile.dockerignore'), 'from-dockerfile\n')
    const got = await loadDockerignore({ contextDir: ctx, dockerfilePath: 'build/app.Dockerfile' })
    expect(got).toEqual({
      path: path.join(ctx, 'build', 'app.Dockerfile.dockerignore'),
      source: 'dockerfile',
      patterns: ['from-dockerfile'],
    })
  })

  it('falls back to the context .dockerignore, and to none', async () => {
    const ctx = dir()
    expect(await loadDockerignore({ contextDir: ctx, dockerfilePath: 'Dockerfile' })).toEqual({
      path: null,
      source: 'none',
      patterns: [],
    })
    writeFileSync(path.join(ctx, '.dockerignore'), '*.log\n!keep.log\n')
    const got = await loadDockerignore({ contextDir: ctx, dockerfilePath: 'Dockerfile' })
    expect(got.source).toBe('context')
    expect(got.patterns).toEqual(['*.log', '!keep.log'])
  })

  it('finds the Dockerfile-specific file outside the context too', async () => {
    const ctx = dir()
    const elsewhere = dir()
    writeFileSync(path.join(ctx, '.dockerignore'), 'ctx\n')
    writeFileSync(path.join(elsewhere, 'Dockerfile.dockerignore'), 'outside\n')
    const got = await loadDockerignore({ contextDir: ctx, dockerfilePath: path.join(elsewhere, 'Dockerfile') })
    expect(got.patterns).toEqual(['outside'])
  })

  it('an empty Dockerfile-specific file still wins (nothing ignored)', async () => {
    const ctx = dir()
    writeFileSync(path.join(ctx, '.dockerignore'), 'ctx\n')
    writeFileSync(path.join(ctx, 'Dockerfile.dockerignore'), '')
    const got = await loadDockerignore({ contextDir: ctx, dockerfilePath: 'Dockerfile' })
    expect(got).toMatchObject({ source: 'dockerfile', patterns: [] })
  })

  it('ignores a context .dockerignore that links outside the context', async () => {
    const ctx = dir()
    const elsewhere = dir()
    writeFileSync(path.join(elsewhere, 'ignore'), 'secret\n')
    symlinkSync(path.join(elsewhere, 'ignore'), path.join(ctx, '.dockerignore'))
    expect((await loadDockerignore({ contextDir: ctx })).source).toBe('none')
  })

  it('names the file in parse errors', async () => {
    const ctx = dir()
    writeFileSync(path.join(ctx, '.dockerignore'), 'y'.repeat(70000))
    await expect(loadDockerignore({ contextDir: ctx })).rejects.toThrow(
      'failed to parse dockerignore: bufio.Scanner: token too long',
    )
  })
})
