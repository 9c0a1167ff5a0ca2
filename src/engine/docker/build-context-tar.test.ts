import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { extract } from 'tar-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStreamHasher, nodeFileReader, openBuildContext } from '../context'
import { contextTar } from './build-context-tar'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'layerlab-context-tar-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

async function entries(stream: NodeJS.ReadableStream): Promise<Map<string, { type: string; data: string; linkname?: string; uid: number }>> {
  const out = new Map<string, { type: string; data: string; linkname?: string; uid: number }>()
  const ex = extract()
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, body, next) => {
      const chunks: Buffer[] = []
      body.on('data', (c: unknown) => chunks.push(c as Buffer))
      body.on('end', () => {
        out.set(header.name, { type: header.type ?? 'file', data: Buffer.concat(chunks).toString(), ...(header.linkname ? { linkname: header.linkname } : {}), uid: header.uid ?? 0 })
        next()
      })
    })
    ex.on('finish', resolve)
    ex.on('error', reject)
  })
  ;(stream as unknown as { pipe: (d: unknown) => void }).pipe(ex)
  await done
  return out
}

describe('the context tar', () => {
  it('holds what .dockerignore lets through, plus the Dockerfile and .dockerignore', async () => {
    const ctx = path.join(dir, 'ctx')
    await mkdir(path.join(ctx, 'src', 'node_modules'), { recursive: true })
    await writeFile(path.join(ctx, 'Dockerfile'), 'FROM busybox\n')
    await writeFile(path.join(ctx, '.dockerignore'), 'Dockerfile\n.dockerignore\n**/node_modules\n*.log\n')
    await writeFile(path.join(ctx, 'src', 'app.js'), 'x'.repeat(100_000))
    await writeFile(path.join(ctx, 'src', 'node_modules', 'dep.js'), 'dep')
    await writeFile(path.join(ctx, 'debug.log'), 'log')
    await symlink('src/app.js', path.join(ctx, 'link'))
    const context = await openBuildContext({ contextDir: ctx, hasher: createStreamHasher({ reader: nodeFileReader }) })
    try {
      const tar = contextTar(context, { dockerfilePath: path.join(ctx, 'Dockerfile') })
      const got = await entries(tar.stream)
      await tar.done
      expect(tar.dockerfile).toBe('Dockerfile')
      expect([...got.keys()].sort()).toEqual(['.dockerignore', 'Dockerfile', 'link', 'src', 'src/app.js'])
      expect(got.get('src/app.js')?.data.length).toBe(100_000)
      expect(got.get('link')).toMatchObject({ type: 'symlink', linkname: 'src/app.js' })
      expect(got.get('Dockerfile')?.data).toBe('FROM busybox\n')
      expect(got.get('src/app.js')?.uid).toBe(0)
    } finally {
      await context.close()
    }
  })

  it('adds a Dockerfile from outside the context under a name of its own', async () => {
    const ctx = path.join(dir, 'ctx2')
    await mkdir(ctx, { recursive: true })
    await writeFile(path.join(ctx, 'a.txt'), 'a')
    await writeFile(path.join(dir, 'Other.Dockerfile'), 'FROM scratch\n')
    const context = await openBuildContext({ contextDir: ctx, hasher: createStreamHasher({ reader: nodeFileReader }) })
    try {
      const tar = contextTar(context, { dockerfilePath: path.join(dir, 'Other.Dockerfile') })
      const got = await entries(tar.stream)
      expect(tar.dockerfile).toBe('.dockerfile.layerlab')
      expect(got.get('.dockerfile.layerlab')?.data).toBe('FROM scratch\n')
      expect(got.has('a.txt')).toBe(true)
    } finally {
      await context.close()
    }
  })

  it('settles with an error, not a crash or a hang, when the reader drops the tar mid-file', async () => {
    const ctx = path.join(dir, 'ctx3')
    await mkdir(ctx, { recursive: true })
    await writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch\n')
    await writeFile(path.join(ctx, 'big.bin'), Buffer.alloc(8 << 20))
    const context = await openBuildContext({ contextDir: ctx, hasher: createStreamHasher({ reader: nodeFileReader }) })
    try {
      const tar = contextTar(context, { dockerfilePath: path.join(ctx, 'Dockerfile') })
      let read = 0
      for await (const chunk of tar.stream as AsyncIterable<Buffer>) {
        read += chunk.length
        if (read > 1 << 20) break
      }
      await expect(tar.done).rejects.toThrow(/destroyed/)
    } finally {
      await context.close()
    }
  })
})
