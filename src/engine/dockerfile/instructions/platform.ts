// Platforms as BuildKit reads them (containerd/platforms Parse, Normalize, Format) and the
// automatic platform build args (dockerfile2llb/platform.go defaultArgs).

import { goQuote, goToLower } from '../go-strings'
import { DetailError } from './errors'

export interface Platform {
  readonly os: string
  readonly arch: string
  /** `v7`, `v8`…; empty when none. */
  readonly variant: string
}

/** What BuildKit assumes when nothing is said: the worker's platform. */
export const DEFAULT_PLATFORM: Platform = { os: 'linux', arch: 'amd64', variant: '' }

const KNOWN_OS = new Set([
  'aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl', 'netbsd',
  'openbsd', 'plan9', 'solaris', 'windows', 'zos',
])
const KNOWN_ARCH = new Set([
  '386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'ppc64', 'ppc64le', 'loong64', 'mips', 'mipsle',
  'mips64', 'mips64le', 'mips64p32', 'mips64p32le', 'ppc', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64',
  'wasm',
])

function normalizeOS(os: string): string {
  const lower = goToLower(os)
  return lower === 'macos' ? 'darwin' : lower
}

/** containerd normalizeArch: aliases folded, redundant variants dropped. */
function normalizeArch(archIn: string, variantIn: string): { arch: string; variant: string } {
  const arch = goToLower(archIn)
  const variant = goToLower(variantIn)
  switch (arch) {
    case 'i386':
      return { arch: '386', variant: '' }
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return { arch: 'amd64', variant: variant === 'v1' ? '' : variant }
    case 'aarch64':
    case 'arm64':
      if (['8', 'v8', 'v8.0'].includes(variant)) return { arch: 'arm64', variant: '' }
      if (['9', '9.0', 'v9.0'].includes(variant)) return { arch: 'arm64', variant: 'v9' }
      return { arch: 'arm64', variant }
    case 'armhf':
      return { arch: 'arm', variant: 'v7' }
    case 'armel':
      return { arch: 'arm', variant: 'v6' }
    case 'arm':
      if (variant === '' || variant === '7') return { arch, variant: 'v7' }
      if (['5', '6', '8'].includes(variant)) return { arch, variant: 'v' + variant }
      return { arch, variant }
    default:
      return { arch, variant }
  }
}

/** platforms.Normalize. */
export function normalizePlatform(p: Platform): Platform {
  return { os: normalizeOS(p.os), ...normalizeArch(p.arch, p.variant) }
}

/** platforms.Format: `os/arch[/variant]`. */
export function formatPlatform(p: Platform): string {
  return [p.os, p.arch, p.variant].filter((part) => part !== '').join('/')
}

const COMPONENT = /^[A-Za-z0-9_.-]+$/

/**
 * platforms.Parse: `os`, `arch`, `os/arch` or `os/arch/variant`. A lone word is an OS if known,
 * else an architecture if known (the other half taken from `host`). Throws containerd's message.
 */
export function parsePlatform(specifier: string, host: Platform = DEFAULT_PLATFORM): Platform {
  const invalid = (why: string) => new DetailError(`${goQuote(specifier)}: ${why}: invalid argument`)
  if (specifier.includes('*')) throw invalid('wildcards not yet supported')
  const parts = specifier.split('/')
  for (const part of parts.slice(0, 4)) {
    if (!COMPONENT.test(part)) {
      const rule = `platform specifier component must match ${goQuote(COMPONENT.source)}`
      throw new DetailError(`${goQuote(part)} is an invalid component of ${goQuote(specifier)}: ${rule}: invalid argument`)
    }
  }
  const [first = '', second = '', third = ''] = parts
  switch (parts.length) {
    case 1: {
      const os = normalizeOS(first)
      if (KNOWN_OS.has(os)) return { os, arch: host.arch, variant: host.arch === 'arm' ? host.variant : '' }
      const { arch, variant } = normalizeArch(first, '')
      if (KNOWN_ARCH.has(arch)) return { os: host.os, arch, variant: arch === 'arm' && variant === 'v7' ? '' : variant }
      throw invalid('unknown operating system or architecture')
    }
    case 2: {
      const { arch, variant } = normalizeArch(second, '')
      return { os: normalizeOS(first), arch, variant: arch === 'arm' && variant === 'v7' ? '' : variant }
    }
    case 3: {
      const { arch, variant } = normalizeArch(second, third)
      return { os: normalizeOS(first), arch, variant: arch === 'arm64' && variant === '' ? 'v8' : variant }
    }
    default:
      throw invalid('cannot parse platform specifier')
  }
}

/** The automatic global args, in BuildKit's order. */
export const PLATFORM_ARG_NAMES = [
  'BUILDPLATFORM', 'BUILDOS', 'BUILDOSVERSION', 'BUILDARCH', 'BUILDVARIANT',
  'TARGETPLATFORM', 'TARGETOS', 'TARGETOSVERSION', 'TARGETARCH', 'TARGETVARIANT', 'TARGETSTAGE',
] as const

/**
 * defaultArgs: the automatic args for a build platform, a target platform and the target stage's
 * name (`default` when the target stage has none). A `--build-arg` of the same name wins.
 */
export function platformArgs(
  build: Platform,
  target: Platform,
  targetStage: string,
  overrides: ReadonlyMap<string, string>,
): [string, string][] {
  const b = normalizePlatform(build)
  const t = normalizePlatform(target)
  const values: Record<(typeof PLATFORM_ARG_NAMES)[number], string> = {
    BUILDPLATFORM: formatPlatform(b),
    BUILDOS: b.os,
    BUILDOSVERSION: '',
    BUILDARCH: b.arch,
    BUILDVARIANT: b.variant,
    TARGETPLATFORM: formatPlatform(t),
    TARGETOS: t.os,
    TARGETOSVERSION: '',
    TARGETARCH: t.arch,
    TARGETVARIANT: t.variant,
    TARGETSTAGE: targetStage === '' ? 'default' : targetStage,
  }
  return PLATFORM_ARG_NAMES.map((name) => [name, overrides.get(name) ?? values[name]])
}
