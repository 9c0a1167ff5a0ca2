import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { pack } from 'tar-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AddInstruction } from '../../dockerfile'
import { readLayer } from '../../layers'
import { buildCopyLayer } from './copy-layer'
import { busyboxLike } from './fake-rootfs.test-support'
import { compact, layerRows } from './layer-entries.test-support'

const work = mkdtempSync(join(tmpdir(), 'layerlab-url-test-'))
const BODY = 'downloaded\n'
const SHA = 'sha256:' + createHash('sha256').update(BODY).digest('hex')
const LAST_MODIFIED = 'Wed, 21 Oct 2015 07:28:00 GMT'
let tgz: Buffer
let baseUrl = ''
const server = createServer((req, res) => {
  if (req.url === '/files/tool.sh') {
    res.writeHead(200, { 'last-modified': LAST_MODIFIED })
    res.end(BODY)
  } else if (req.url === '/plain') {
    res.end(BODY)
  } else if (req.url === '/a.tgz') {
    res.end(tgz)
  } else {
    res.writeHead(404)
    res.end()
  }
})

beforeAll(async () => {
  const p = pack()
  const chunks: Buffer[] = []
  p.on('data', (c: unknown) => chunks.push(c as Buffer))
  const done = new Promise<void>((r) => p.on('end', () => r()))
  p.entry({ name: 'inside.txt', mode: 0o644 }, 'in')
  p.finalize()
  await done
  tgz = gzipSync(Buffer.concat(chunks))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((r) => server.close(r))
  rmSync(work, { recursive: true, force: true })
})

const base = { original: '', line: 1, range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } } }
const add = (over: Partial<AddInstruction>): AddInstruction =>
  ({ ...base, keyword: 'ADD', kind: 'add', sources: [], heredocs: [], dest: '/', chown: null, chmod: null, link: false, excludes: [], keepGitDir: null, checksum: null, unpack: null, ...over }) as AddInstruction

let n = 0
async function run(over: Partial<AddInstruction>): Promise<string> {
  const out = join(work, `l${++n}.tar.gz`)
  const context = { kind: 'rootfs' as const, rootfs: busyboxLike() }
  await buildCopyLayer({ instruction: add(over), workdir: '/', parent: busyboxLike(), source: context, out, timestamp: 1 })
  return out
}

describe('ADD <url>', () => {
  it('names the file after the URL path, mode 0600, mtime from Last-Modified', async () => {
    const out = await run({ sources: [`${baseUrl}/files/tool.sh`], dest: '/opt/' })
    expect(compact(await layerRows(out))).toEqual(['opt/ dir 0755 0:0', 'opt/tool.sh file 0600 0:0 11'])
    for await (const { header } of readLayer([(await import('node:fs')).readFileSync(out)])) {
      if (header.name === 'opt/tool.sh') expect(header.mtime).toBe(Date.parse(LAST_MODIFIED) / 1000)
    }
  })

  it('uses the epoch without Last-Modified, and --chmod/--chown apply', async () => {
    const out = await run({ sources: [`${baseUrl}/plain`], dest: '/bin/x', chmod: '755', chown: '1:1' })
    expect(compact(await layerRows(out))).toEqual(['bin/ dir 0755 0:0', 'bin/x file 0755 1:1 11'])
    for await (const { header } of readLayer([(await import('node:fs')).readFileSync(out)])) {
      if (header.name === 'bin/x') expect(header.mtime).toBe(0)
    }
  })

  it('verifies --checksum', async () => {
    await expect(run({ sources: [`${baseUrl}/plain`], dest: '/x', checksum: SHA })).resolves.toBeDefined()
    const wrong = 'sha256:' + '0'.repeat(64)
    await expect(run({ sources: [`${baseUrl}/plain`], dest: '/x', checksum: wrong })).rejects.toThrow(`digest mismatch ${SHA}: ${wrong}`)
  })

  it('fails on an error status', async () => {
    await expect(run({ sources: [`${baseUrl}/missing`], dest: '/x' })).rejects.toThrow('invalid response status 404')
  })

  it('does not unpack archives unless --unpack=true', async () => {
    expect(compact(await layerRows(await run({ sources: [`${baseUrl}/a.tgz`], dest: '/d/' })))).toEqual(['d/ dir 0755 0:0', `d/a.tgz file 0600 0:0 ${tgz.length}`])
    expect(compact(await layerRows(await run({ sources: [`${baseUrl}/a.tgz`], dest: '/d/', unpack: true })))).toEqual(['d/ dir 0755 0:0', 'd/inside.txt file 0644 0:0 2'])
  })
})
