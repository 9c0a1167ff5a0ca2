// The sandbox for real (needs root, bubblewrap and overlayfs; skipped elsewhere with the reason):
// a busybox image written as layers into a temp store, opened with openRootfs, run with bwrap.
import { lstat, readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LayerRef, RootfsView } from '../rootfs'
import { busyboxBaseEntries, fixture, sandboxSkipReason, testImage, type TestImage } from './busybox-rootfs.test-support'
import { LinuxSandboxExecutor, SandboxError, type RunResult, type RunSpec } from '.'

const skip = sandboxSkipReason()
if (skip) console.warn(`skipping sandbox tests: ${skip}`)

let image: TestImage
let base: LayerRef
let view: RootfsView
let executor: LinuxSandboxExecutor
const results: RunResult[] = []

beforeAll(async () => {
  if (skip) return
  image = await testImage()
  base = await image.put(busyboxBaseEntries())
  view = await image.open([base])
  executor = LinuxSandboxExecutor.forStore(image.store)
})
afterAll(async () => {
  for (const result of results) await result.dispose()
  await image?.dispose()
})

async function run(script: string, spec: Partial<RunSpec> = {}, signal = new AbortController().signal): Promise<{ out: string; err: string; result: RunResult }> {
  let out = ''
  let err = ''
  const full: RunSpec = { args: ['/bin/sh', '-c', script], env: [], cwd: '/', user: '', network: 'none', rootfs: view, inlineFiles: [], ...spec }
  const result = await executor.run(full, (stream, chunk) => (stream === 'stdout' ? (out += chunk) : (err += chunk)), signal)
  results.push(result)
  return { out, err, result }
}

const upperKind = async (result: RunResult, path: string): Promise<string> => {
  const stats = await lstat(join(result.upperDir, path)).catch(() => undefined)
  if (!stats) return 'absent'
  if (stats.isCharacterDevice()) return `char ${stats.rdev}`
  return stats.isDirectory() ? 'dir' : stats.isFile() ? 'file' : 'other'
}

describe.skipIf(skip)('LinuxSandboxExecutor', () => {
  it('streams stdout and stderr as they arrive and returns the exit code', async () => {
    let firstChunkAt = 0
    const pending = executor.run(
      { args: ['/bin/sh', '-c', 'echo hi; sleep 0.5; exit 3'], env: [], cwd: '/', user: '', network: 'none', rootfs: view, inlineFiles: [] },
      (stream, chunk) => {
        if (stream === 'stdout' && chunk.includes('hi')) firstChunkAt ||= Date.now()
      },
      new AbortController().signal,
    )
    const result = await pending
    results.push(result)
    expect(result.exitCode).toBe(3)
    expect(Date.now() - firstChunkAt).toBeGreaterThanOrEqual(400) // seen while the command still ran
    const { out, err, result: second } = await run('echo hi; echo oops >&2; exit 3')
    expect([out, err, second.exitCode]).toEqual(['hi\n', 'oops\n', 3])
  })

  it('reports death by signal as 128 + n', async () => {
    expect((await run('kill -9 $$')).result.exitCode).toBe(137)
  })

  it('runs as the USER from the image, with its groups and home, and no capabilities', async () => {
    const { out } = await run('id -u; id -g; id -G; echo $HOME; grep CapEff /proc/self/status; touch /etc/nope 2>/dev/null || echo denied; touch /tmp/mine', { user: 'user' })
    expect(out.split('\n')).toEqual(['1000', '1000', '1000 10 100', '/home/user', 'CapEff:\t0000000000000000', 'denied', ''])
    const root = await run('id -u; id -G; echo $HOME', { user: '' })
    expect(root.out).toBe('0\n0 10\n/root\n')
    expect((await run('id -u; id -g; id -G', { user: '4242:77' })).out).toBe('4242\n77\n77\n')
  })

  it('gives the environment of the spec, plus PATH and HOME when missing', async () => {
    const { out } = await run('env | sort', { env: ['A=1', 'B=two words', 'A=3'] })
    expect(out).toBe('A=3\nB=two words\nHOME=/root\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nPWD=/\nSHLVL=1\n')
    expect((await run('echo $PATH', { env: ['PATH=/bin'] })).out).toBe('/bin\n')
  })

  it('records deletions as whiteouts and replaced directories as opaque in the upper dir', async () => {
    const { result } = await run('rm /etc/x && rm -rf /d && mkdir /d && echo new > /d/n && touch /created')
    expect(result.exitCode).toBe(0)
    expect(await upperKind(result, 'etc/x')).toBe('char 0')
    expect(await upperKind(result, 'd')).toBe('dir')
    expect(await readdir(join(result.upperDir, 'd'))).toEqual(['n'])
    expect(await upperKind(result, 'created')).toBe('file')
    expect(await upperKind(result, 'bin')).toBe('absent')
  })

  it('honours whiteouts and opaque directories of lower layers', async () => {
    const second = await image.put([fixture.dir('etc'), { type: 'whiteout', path: 'etc/x' }, fixture.dir('d'), { type: 'opaque', path: 'd' }, fixture.text('d/only', 'only\n')])
    const layered = await image.open([base, second])
    const { out, result } = await run('ls /etc; ls -A /d; cat /etc/x 2>&1 || echo gone', { rootfs: layered })
    expect(result.exitCode).toBe(0)
    expect(out).toBe('group\nhosts\npasswd\nresolv.conf\nonly\ncat: can\'t open \'/etc/x\': No such file or directory\ngone\n')
    expect(result.lowerDir).not.toBe((await run('true')).result.lowerDir) // one merged lower per chain
  })

  it('has no network but loopback unless asked, then the host’s', async () => {
    const hostResolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => '')
    const none = await run('cat /proc/net/dev | tail -n +3 | cut -d: -f1; hostname; cat /etc/hosts /etc/resolv.conf')
    expect(none.out).toBe(`    lo\nbuildkitsandbox\n127.0.0.1\tlocalhost buildkitsandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n${hostResolv}`)
    const host = await run('cat /etc/hosts; cat /proc/net/dev | wc -l', { network: 'host' })
    const hostHosts = await readFile('/etc/hosts', 'utf8').catch(() => '')
    const hostLines = (await readFile('/proc/net/dev', 'utf8')).split('\n').filter((l) => l !== '').length
    expect(host.out).toBe(`${hostHosts}${hostLines}\n`)
    expect(await upperKind(host.result, 'etc')).toBe('absent') // mount points never reach the layer
  })

  it('shows nothing of the host filesystem and has its own /proc', async () => {
    const { out } = await run('ls /work /usr /root/.. 2>&1 | head -2; cat /proc/1/comm; ls /proc | grep -c "^[0-9]"; ls /; ls /dev')
    const lines = out.split('\n')
    expect(lines.slice(0, 2)).toEqual(["ls: /work: No such file or directory", "ls: /usr: No such file or directory"])
    expect(lines[2]).toBe('bwrap') // the sandbox's init; the command is its child
    expect(Number(lines[3])).toBeLessThanOrEqual(5)
    expect(out).toContain('bin\nd\ndev\netc\nhome\nproc\nroot\ntmp\n')
    for (const dev of ['null', 'zero', 'random', 'urandom', 'tty', 'full', 'fd', 'pts', 'shm']) expect(lines).toContain(dev)
  })

  it('creates a missing WORKDIR (root:root 0755), resolving symlinks inside the image', async () => {
    const linked = await image.put([{ type: 'symlink', path: 'lnk', linkTarget: '/home/user', mode: 0o777, uid: 0, gid: 0, mtime: fixture.mtime }])
    const rootfs = await image.open([base, linked])
    const { out, result } = await run('pwd; stat -c "%u:%g %a" .', { cwd: '/w/x/y', user: 'user', rootfs })
    expect(out).toBe('/w/x/y\n0:0 755\n')
    expect(await upperKind(result, 'w/x/y')).toBe('dir')
    const through = await run('pwd', { cwd: '/lnk/new', rootfs })
    expect(through.out).toBe('/lnk/new\n')
    expect(await upperKind(through.result, 'home/user/new')).toBe('dir')
    expect(await upperKind(through.result, 'lnk')).toBe('absent')
  })

  it('mounts heredoc files read-only where BuildKit does, outside the layer', async () => {
    const { out, result } = await run('/dev/pipes/EOF; echo x > /dev/pipes/EOF 2>/dev/null || echo read-only', {
      inlineFiles: [{ path: '/dev/pipes/EOF', content: '#!/bin/sh\necho "from $0"\n', mode: 0o755 }],
    })
    expect(out).toBe('from /dev/pipes/EOF\nread-only\n')
    expect(await readdir(result.upperDir)).toEqual([])
  })

  it('fails as a sandbox error when the command cannot be started', async () => {
    await expect(run('', { args: ['/no/such/binary'] })).rejects.toBeInstanceOf(SandboxError)
    await expect(run('', { args: ['/no/such/binary'] })).rejects.toThrow(/execvp \/no\/such\/binary/)
  })

  it('on cancel kills the whole process tree, unmounts and removes the run', async () => {
    const controller = new AbortController()
    const marker = '1234.567'
    let out = ''
    const pending = executor.run(
      { args: ['/bin/sh', '-c', `sleep ${marker} & sh -c "sleep ${marker} & wait" & echo started; wait`], env: [], cwd: '/', user: '', network: 'none', rootfs: view, inlineFiles: [] },
      (_stream, chunk) => {
        out += chunk
        if (out.includes('started')) controller.abort()
      },
      controller.signal,
    )
    await expect(pending).rejects.toThrow(/aborted/i)
    const survivors: string[] = []
    for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
      if (cmdline.includes(marker)) survivors.push(`${pid}: ${cmdline}`)
    }
    expect(survivors).toEqual([])
    const runs = join(image.store.paths.tmp, 'exec', 'runs')
    const live = new Set(results.map((r) => r.upperDir.split('/').at(-2)))
    expect((await readdir(runs)).filter((name) => !live.has(name))).toEqual([])
    expect(await readFile('/proc/self/mountinfo', 'utf8')).not.toContain(image.work)
  })

  it('cancels before start without running anything', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(run('touch /x', {}, controller.signal)).rejects.toThrow(/aborted/i)
  })
})
