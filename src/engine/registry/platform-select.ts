/**
 * Which manifest of an image index (or Docker manifest list) a host runs, by containerd's
 * rules (platforms.Normalize and platforms.Only): architecture aliases (`x86_64` is `amd64`,
 * `aarch64` is `arm64`), default variants (`arm64` is `v8`, `arm` is `v7`), and the older
 * platforms a CPU also runs, best first (arm/v7 also takes v6 and v5; amd64 also takes 386).
 */
import type { Descriptor } from '../store'
import { hostArchitecture } from '../store'
import { RegistryError } from './registry-errors'

export interface PlatformSpec {
  os: string
  architecture: string
  variant?: string
}

/** `linux/amd64`, `linux/arm/v7`, `linux/arm64/v8`; an architecture alone means linux. */
export function parsePlatform(text: string): PlatformSpec {
  const parts = text.trim().toLowerCase().split('/')
  if (parts.some((p) => p === '') || parts.length > 3) throw new RegistryError('unsupported', `invalid platform "${text}": expected os/arch[/variant]`)
  if (parts.length === 1) return normalizePlatform({ os: 'linux', architecture: parts[0] ?? '' })
  const [os = '', architecture = '', variant] = parts
  return normalizePlatform(variant === undefined ? { os, architecture } : { os, architecture, variant })
}

export function formatPlatform(p: PlatformSpec): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`
}

/** The platform this process runs: `linux/amd64` here. Images are Linux images on every host. */
export function hostPlatform(): PlatformSpec {
  const architecture = hostArchitecture()
  if (architecture !== 'arm') return normalizePlatform({ os: 'linux', architecture })
  const armVersion = (process.config.variables as { arm_version?: unknown }).arm_version
  return normalizePlatform({ os: 'linux', architecture, variant: `v${typeof armVersion === 'string' ? armVersion : '7'}` })
}

/** containerd's Normalize; a variant that is the architecture's default is dropped. */
export function normalizePlatform(p: PlatformSpec): PlatformSpec {
  const os = p.os.toLowerCase() === 'macos' ? 'darwin' : p.os.toLowerCase()
  let architecture = p.architecture.toLowerCase()
  let variant = (p.variant ?? '').toLowerCase()
  switch (architecture) {
    case 'i386':
      architecture = '386'
      variant = ''
      break
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      architecture = 'amd64'
      if (variant === 'v1') variant = ''
      break
    case 'aarch64':
    case 'arm64':
      architecture = 'arm64'
      if (variant === '8' || variant === 'v8' || variant === 'v8.0') variant = ''
      break
    case 'armhf':
      architecture = 'arm'
      variant = 'v7'
      break
    case 'armel':
      architecture = 'arm'
      variant = 'v6'
      break
    case 'arm':
      if (variant === '') variant = 'v7'
      else if (/^[5-8]$/.test(variant)) variant = `v${variant}`
      break
  }
  return variant === '' ? { os, architecture } : { os, architecture, variant }
}

/** The platforms a host of `wanted` runs, best first. */
export function compatiblePlatforms(wanted: PlatformSpec): PlatformSpec[] {
  const p = normalizePlatform(wanted)
  const list: PlatformSpec[] = [p]
  const arm = (from: number): PlatformSpec[] => [7, 6, 5].filter((v) => v <= from).map((v) => ({ os: p.os, architecture: 'arm', variant: `v${v}` }))
  if (p.architecture === 'amd64') {
    const level = Number(p.variant?.slice(1) ?? 1)
    for (let v = level - 1; v >= 1; v--) list.push(v === 1 ? { os: p.os, architecture: 'amd64' } : { os: p.os, architecture: 'amd64', variant: `v${v}` })
    list.push({ os: p.os, architecture: '386' })
  } else if (p.architecture === 'arm64' && p.variant === undefined) {
    list.push(...arm(8))
  } else if (p.architecture === 'arm' && p.variant !== undefined) {
    list.push(...arm(Number(p.variant.slice(1)) - 1))
  }
  return list
}

/**
 * The entry of an index to pull for `wanted`. Attestations and other artefacts carry platform
 * `unknown/unknown` and never match. Throws Docker's "no matching manifest" when none does.
 */
export function selectManifest(manifests: readonly Descriptor[], wanted: PlatformSpec): Descriptor {
  const same = (a: PlatformSpec, b: PlatformSpec): boolean => a.os === b.os && a.architecture === b.architecture && (a.variant ?? '') === (b.variant ?? '')
  for (const candidate of compatiblePlatforms(wanted)) {
    const found = manifests.find((m) => m.platform !== undefined && same(normalizePlatform(m.platform), candidate))
    if (found) return found
  }
  // An entry without a platform says nothing against any host; take it only if it is the one choice.
  const unlabelled = manifests.filter((m) => m.platform === undefined)
  if (unlabelled.length === 1 && unlabelled[0] && manifests.length === 1) return unlabelled[0]
  const offered = manifests.flatMap((m) => (m.platform && m.platform.os !== 'unknown' ? [formatPlatform(normalizePlatform(m.platform))] : []))
  throw new RegistryError(
    'no-platform',
    `no matching manifest for ${formatPlatform(normalizePlatform(wanted))} in the manifest list entries` + (offered.length > 0 ? ` (it has ${[...new Set(offered)].join(', ')})` : ''),
  )
}
