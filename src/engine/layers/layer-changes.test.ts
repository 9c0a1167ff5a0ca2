import { chmodSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { changeEntries } from './layer-changes'
import { writeLayerFromChanges } from './layer-digests'
import { readLayer, type TarEntryHeader } from './tar-reader'

const work = mkdtempSync(join(tmpdir(), 'layerlab-changes-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))
const context = join(work, 'context')
mkdirSync(join(context, 'src'), { recursive: true })
writeFileSync(join(context, 'src/app.js'), 'console.log(1)')
chmodSync(join(context, 'src/app.js'), 0o755)
writeFileSync(join(context, 'src/data'), 'data')
linkSync(join(context, 'src/data'), join(context, 'src/data-link'))
symlinkSync('app.js', join(context, 'src/entry'))
symlinkSync('src/app.js', join(context, 'top-link'))
for (const p of ['src/app.js', 'src/data']) utimesSync(join(context, p), 1500000000, 1500000000)

async function members(path: string): Promise<TarEntryHeader[]> {
  const out: TarEntryHeader[] = []
  for await (const { header } of readLayer([readFileSync(path)])) out.push(header)
  return out
}

describe('layers from explicit changes (COPY)', () => {
  it('writes destination paths with the owner and mode overrides, parents and hard links', async () => {
    const out = join(work, 'copy.tar.gz')
    const chown = { uid: 1000, gid: 1000 }
    await writeLayerFromChanges(
      [
        { kind: 'add', path: '/srv/app/app.js', source: join(context, 'src/app.js'), ...chown },
        { kind: 'add', path: '/srv/app/data', source: join(context, 'src/data'), ...chown, mode: 0o600 },
        { kind: 'add', path: '/srv/app/data-link', source: join(context, 'src/data-link'), ...chown, mode: 0o600 },
        { kind: 'add', path: '/srv/app/entry', source: join(context, 'src/entry'), ...chown },
        { kind: 'add', path: '/srv/app/followed', source: join(context, 'top-link'), followSymlink: true, ...chown },
        { kind: 'entry', entry: { type: 'file', path: '/srv/app/generated', mode: 0o644, ...chown, mtime: 0, size: 2, content: { from: 'bytes', bytes: Buffer.from('hi') } } },
        { kind: 'delete', path: '/srv/old' },
      ],
      out,
      { parents: { mode: 0o755, uid: 1000, gid: 1000, mtime: 0 } },
    )
    const got = (await members(out)).map((h) => [h.name, h.type, h.mode.toString(8), `${h.uid}:${h.gid}`, h.linkname ?? String(h.size)])
    expect(got).toEqual([
      ['srv/', 'dir', '755', '1000:1000', '0'],
      ['srv/.wh.old', 'file', '600', '0:0', '0'],
      ['srv/app/', 'dir', '755', '1000:1000', '0'],
      ['srv/app/app.js', 'file', '755', '1000:1000', '14'],
      ['srv/app/data', 'file', '600', '1000:1000', '4'],
      ['srv/app/data-link', 'hardlink', '600', '1000:1000', 'srv/app/data'],
      ['srv/app/entry', 'symlink', '777', '1000:1000', 'app.js'],
      ['srv/app/followed', 'file', '755', '1000:1000', '14'],
      ['srv/app/generated', 'file', '644', '1000:1000', '2'],
    ])
  })

  it('keeps names of one inode apart when their overrides differ', async () => {
    const entries = await changeEntries([
      { kind: 'add', path: 'a', source: join(context, 'src/data'), mode: 0o600 },
      { kind: 'add', path: 'b', source: join(context, 'src/data-link'), mode: 0o644 },
    ])
    expect(entries.map((e) => e.type)).toEqual(['file', 'file'])
  })

  it('does not add parents that are entries themselves, and adds none unless asked', async () => {
    const dir = { kind: 'add' as const, path: 'x', source: join(context, 'src') }
    const file = { kind: 'add' as const, path: 'x/y/z', source: join(context, 'src/data') }
    const withParents = await changeEntries([dir, file], { parents: { mode: 0o777, uid: 0, gid: 0, mtime: 0 } })
    expect(withParents.map((e) => [e.path, e.type, 'mode' in e ? e.mode.toString(8) : ''])).toEqual([
      ['x', 'dir', '755'], ['x/y/z', 'file', '644'], ['x/y', 'dir', '777'],
    ])
    expect((await changeEntries([file])).map((e) => e.path)).toEqual(['x/y/z'])
  })
})
