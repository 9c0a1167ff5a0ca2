// Where a stage's config starts (dockerfile2llb toDispatchState): BuildKit's empty image for
// `FROM scratch`, the base image's config for `FROM image`, the parent stage's for `FROM stage`.
//
// A base config is read into dockerspec.DockerOCIImage, so whatever that struct lacks is gone
// (`container_config`, `docker_version`, top-level `comment`, Hostname & co.), `created` is
// cleared, times are re-marshalled by Go, and OnBuild is dropped once its triggers are taken
// (see onbuild-triggers.ts). PATH is appended when missing, and WorkingDir is normalized.

import { DEFAULT_PATH } from '../../dockerfile'
import type { Platform } from '../../dockerfile'
import type { ImageConfig } from '../../store'
import { normalizeWorkdir } from './paths'
import type { ContainerConfig, Empty, HealthcheckConfig, HistoryEntry, OciImageConfig } from './types'

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/

/**
 * A timestamp the way Go's time.Time marshals back: RFC 3339 with at most 9 fractional digits,
 * trailing zeros dropped, a zero offset written `Z`. Anything else is left alone.
 */
export function goTime(value: string): string {
  const m = RFC3339.exec(value)
  if (!m) return value
  const fraction = (m[2] ?? '').slice(0, 9).replace(/0+$/, '')
  const zone = m[3] === '+00:00' || m[3] === '-00:00' ? 'Z' : (m[3] ?? 'Z')
  return `${m[1] ?? ''}${fraction === '' ? '' : '.' + fraction}${zone}`
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const num = (v: unknown): number | undefined => (typeof v === 'number' && v !== 0 ? v : undefined)

// Empty lists and maps are dropped: Go's omitempty would not write them back either.
function strings(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string')) return undefined
  return [...(v as string[])]
}

function set(v: unknown): Record<string, Empty> | undefined {
  if (!isObject(v) || Object.keys(v).length === 0) return undefined
  return Object.fromEntries(Object.keys(v).map((k) => [k, {}]))
}

function labels(v: unknown): Record<string, string> | undefined {
  if (!isObject(v)) return undefined
  const entries = Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')
  return entries.length === 0 ? undefined : Object.fromEntries(entries)
}

function healthcheck(v: unknown): HealthcheckConfig | undefined {
  if (!isObject(v)) return undefined
  return prune({
    Test: strings(v.Test),
    Interval: num(v.Interval),
    Timeout: num(v.Timeout),
    StartPeriod: num(v.StartPeriod),
    StartInterval: num(v.StartInterval),
    Retries: num(v.Retries),
  })
}

/** Leaves out undefined fields, so objects compare and serialize like Go's omitempty output. */
function prune<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

function containerConfig(v: unknown): ContainerConfig {
  if (!isObject(v)) return {}
  return prune({
    User: str(v.User),
    ExposedPorts: set(v.ExposedPorts),
    Env: strings(v.Env),
    Entrypoint: strings(v.Entrypoint),
    Cmd: strings(v.Cmd),
    Volumes: set(v.Volumes),
    WorkingDir: str(v.WorkingDir),
    Labels: labels(v.Labels),
    StopSignal: str(v.StopSignal),
    ArgsEscaped: v.ArgsEscaped === true ? true : undefined,
    Healthcheck: healthcheck(v.Healthcheck),
    OnBuild: strings(v.OnBuild),
    Shell: strings(v.Shell),
  })
}

function historyEntry(v: unknown): HistoryEntry {
  if (!isObject(v)) return {}
  const created = str(v.created)
  return prune({
    created: created === undefined ? undefined : goTime(created),
    created_by: str(v.created_by),
    author: str(v.author),
    comment: str(v.comment),
    empty_layer: v.empty_layer === true ? true : undefined,
  })
}

function hasPath(env: readonly string[]): boolean {
  return env.some((e) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e) === 'PATH')
}

/**
 * The config a stage starts from. `scratch`: emptyImage — the target platform, the default
 * PATH (not on Windows), WorkingDir `/`, no layers, no history. An image: its config as
 * BuildKit keeps it (see the file comment); the platform only fills in a missing os/arch.
 */
export function initialConfig(base: ImageConfig | 'scratch', platform: Platform): OciImageConfig {
  if (base === 'scratch') {
    return prune({
      architecture: platform.arch,
      os: platform.os,
      variant: str(platform.variant),
      config: platform.os === 'windows' ? { WorkingDir: '/' } : { Env: [`PATH=${DEFAULT_PATH}`], WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: [] },
      history: [],
    })
  }
  const os = str(base.os) ?? platform.os
  const config = containerConfig(base.config)
  delete config.OnBuild
  if (os !== 'windows' && !hasPath(config.Env ?? [])) config.Env = [...(config.Env ?? []), `PATH=${DEFAULT_PATH}`]
  // dispatchWorkdir(commit=false) with the image's own WorkingDir as both current and new path.
  if (config.WorkingDir !== undefined) config.WorkingDir = normalizeWorkdir(config.WorkingDir, config.WorkingDir, os).config
  const rootfs: Record<string, unknown> = isObject(base.rootfs) ? base.rootfs : {}
  return prune({
    author: str(base.author),
    architecture: str(base.architecture) ?? platform.arch,
    os,
    'os.version': str(base['os.version']),
    'os.features': strings(base['os.features']),
    variant: str(base.variant),
    config,
    rootfs: { type: str(rootfs.type) ?? 'layers', diff_ids: strings(rootfs.diff_ids) ?? [] },
    history: Array.isArray(base.history) ? base.history.map(historyEntry) : [],
  })
}

/**
 * `FROM <earlier stage>`: a copy of that stage's config, history included, without its OnBuild
 * list (dispatchState.init: triggers fire in the child and do not carry over).
 */
export function inheritStageConfig(parent: OciImageConfig): OciImageConfig {
  const copy = structuredClone(parent)
  delete copy.config.OnBuild
  return copy
}
