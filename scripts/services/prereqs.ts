// Finds the host programs the test services need and, when allowed, installs the missing ones.
import { access, constants, open } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { run, type Log } from './proc.js'

export interface Tools {
  dockerd: string
  registry: string
  /** A statically linked busybox: it is copied into an otherwise empty image. */
  busybox: string
  skopeo: string
  chromium: string
}

interface Requirement {
  key: keyof Tools
  /** Debian package that provides it */
  pkg: string
  /** Where the Debian package puts it; checked before $PATH so we run the version apt installed. */
  packaged: string[]
  names: string[]
  check?: (path: string) => Promise<boolean>
}

const requirements: Requirement[] = [
  { key: 'dockerd', pkg: 'docker.io', packaged: ['/usr/sbin/dockerd'], names: ['dockerd'] },
  { key: 'registry', pkg: 'docker-registry', packaged: ['/usr/bin/docker-registry'], names: ['docker-registry'] },
  {
    key: 'busybox',
    pkg: 'busybox-static',
    packaged: ['/bin/busybox', '/usr/bin/busybox'],
    names: ['busybox'],
    check: isStaticElf,
  },
  { key: 'skopeo', pkg: 'skopeo', packaged: ['/usr/bin/skopeo'], names: ['skopeo'] },
  { key: 'chromium', pkg: 'chromium', packaged: ['/usr/bin/chromium'], names: ['chromium', 'chromium-browser'] },
]

export async function ensureTools(log: Log): Promise<Tools> {
  let found = await locateAll()
  const missing = requirements.filter((r) => found[r.key] === undefined)
  if (missing.length === 0) return found as Tools

  const pkgs = missing.map((r) => r.pkg)
  const what = missing.map((r) => `${r.names[0]}${r.check ? ' (static)' : ''} [${r.pkg}]`).join(', ')
  const aptGet = await findOnPath('apt-get')
  if (process.getuid?.() !== 0 || aptGet === undefined) {
    throw new Error(
      `Layerlab test services need programs that are not installed: ${what}. ` +
        `Install them (Debian/Ubuntu: sudo apt-get install ${pkgs.join(' ')}) or run as root on a system with apt-get ` +
        `so scripts/services.ts can install them itself.`,
    )
  }
  log(`installing missing test-service programs: ${what}`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  await run(aptGet, ['update'], { env, tailLines: 30 })
  await run(aptGet, ['install', '-y', ...pkgs], { env, tailLines: 30 })

  found = await locateAll()
  const stillMissing = requirements.filter((r) => found[r.key] === undefined)
  if (stillMissing.length > 0) {
    throw new Error(
      `apt-get installed ${pkgs.join(' ')} but these are still missing: ` +
        stillMissing.map((r) => r.names[0]).join(', '),
    )
  }
  return found as Tools
}

async function locateAll(): Promise<Partial<Tools>> {
  const found: Partial<Tools> = {}
  for (const r of requirements) {
    const candidates = [...r.packaged]
    for (const name of r.names) {
      const p = await findOnPath(name)
      if (p !== undefined) candidates.push(p)
    }
    for (const c of candidates) {
      if ((await isExecutable(c)) && (!r.check || (await r.check(c)))) {
        found[r.key] = c
        break
      }
    }
  }
  return found
}

async function findOnPath(name: string): Promise<string | undefined> {
  // sbin directories are appended because non-login root shells and sudo often leave them out
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin']
  for (const dir of dirs) {
    if (!dir) continue
    const p = join(dir, name)
    if (await isExecutable(p)) return p
  }
  return undefined
}

async function isExecutable(p: string): Promise<boolean> {
  return access(p, constants.X_OK).then(
    () => true,
    () => false,
  )
}

/** An ELF without a PT_INTERP program header needs no dynamic loader, so it runs in an empty rootfs. */
async function isStaticElf(p: string): Promise<boolean> {
  const fh = await open(p, 'r')
  try {
    const header = Buffer.alloc(64)
    await fh.read(header, 0, 64, 0)
    if (header.readUInt32BE(0) !== 0x7f454c46) return false
    const is64 = header[4] === 2
    const le = header[5] === 1
    const u16 = (b: Buffer, o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o))
    const u32 = (b: Buffer, o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o))
    const phoff = is64 ? Number(le ? header.readBigUInt64LE(0x20) : header.readBigUInt64BE(0x20)) : u32(header, 0x1c)
    const phentsize = u16(header, is64 ? 0x36 : 0x2a)
    const phnum = u16(header, is64 ? 0x38 : 0x2c)
    const table = Buffer.alloc(phentsize * phnum)
    await fh.read(table, 0, table.length, phoff)
    const PT_INTERP = 3
    for (let i = 0; i < phnum; i++) {
      if (u32(table, i * phentsize) === PT_INTERP) return false
    }
    return true
  } finally {
    await fh.close()
  }
}
