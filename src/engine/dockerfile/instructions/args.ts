// Build options and global ARGs (dockerfile2llb convert.go buildMetaArgs, platform.go), and the
// build args nobody consumed.

import { ShellExpansionError } from '../shell-lex'
import type { ShellLex } from '../shell-lex'
import type { SourceRange } from '../syntax'
import { InstructionError } from './errors'
import { EnvList } from './env-list'
import { DEFAULT_PLATFORM, PLATFORM_ARG_NAMES, normalizePlatform, platformArgs } from './platform'
import type { Platform } from './platform'
import type { ArgInstruction } from './types'

export interface BuildOptions {
  /** `--build-arg NAME=value` overrides. */
  readonly buildArgs?: Readonly<Record<string, string>> | ReadonlyMap<string, string>
  /** The platform the build runs on (BUILDPLATFORM); default linux/amd64. */
  readonly buildPlatform?: Platform
  /** `--platform` (TARGETPLATFORM); default: the build platform. */
  readonly targetPlatform?: Platform
  /** `--target`; default: the last stage. */
  readonly target?: string
}

export interface ResolvedBuildOptions {
  readonly buildArgs: ReadonlyMap<string, string>
  readonly buildPlatform: Platform
  readonly targetPlatform: Platform
  readonly target: string | null
}

export function resolveBuildOptions(options: BuildOptions = {}): ResolvedBuildOptions {
  const args = options.buildArgs
  const buildArgs =
    args === undefined ? new Map<string, string>() : args instanceof Map ? new Map(args) : new Map(Object.entries(args))
  const buildPlatform = normalizePlatform(options.buildPlatform ?? DEFAULT_PLATFORM)
  return {
    buildArgs,
    buildPlatform,
    targetPlatform: normalizePlatform(options.targetPlatform ?? buildPlatform),
    target: options.target === undefined || options.target === '' ? null : options.target,
  }
}

/** Expands one word, turning a lexer failure into a located build error. */
export function expandWordAt(lex: ShellLex, word: string, env: EnvList, at: SourceRange): string {
  try {
    return lex.processWord(word, env.lookup).result
  } catch (err) {
    if (err instanceof ShellExpansionError) throw new InstructionError(err.message, at, { phase: 'build' })
    throw err
  }
}

/**
 * The global scope FROM lines see: the automatic platform args, then each ARG before the first
 * FROM in order. A `--build-arg` replaces a default (which is then never evaluated); a default is
 * expanded with the globals declared so far; an ARG with neither leaves the name as it was.
 */
export function globalArgs(
  metaArgs: readonly ArgInstruction[],
  lex: ShellLex,
  options: ResolvedBuildOptions,
  targetStage: string,
): EnvList {
  let env = EnvList.fromEntries(
    platformArgs(options.buildPlatform, options.targetPlatform, targetStage, options.buildArgs),
  )
  for (const arg of metaArgs) {
    for (const { key, value } of arg.args) {
      const override = options.buildArgs.get(key)
      const resolved = override ?? (value === null ? null : expandWordAt(lex, value, env, arg.range))
      if (resolved !== null) env = env.set(key, resolved)
    }
  }
  return env
}

/** Proxy variables reach RUN without being declared (any case). */
const PROXY_ARGS = new Set(['http_proxy', 'https_proxy', 'ftp_proxy', 'no_proxy', 'all_proxy'])

/** Build args the frontend itself reads. */
const FRONTEND_ARGS = new Set([
  'BUILDKIT_SYNTAX', 'BUILDKIT_MULTI_PLATFORM', 'BUILDKIT_SANDBOX_HOSTNAME', 'BUILDKIT_CACHE_MOUNT_NS',
  'BUILDKIT_DOCKERFILE_CHECK', 'BUILDKIT_CONTEXT_KEEP_GIT_DIR', 'BUILDKIT_INLINE_CACHE',
  'BUILDKIT_SBOM_SCAN_CONTEXT', 'BUILDKIT_SBOM_SCAN_STAGE', 'SOURCE_DATE_EPOCH',
])

/**
 * Build args no ARG of the build declared: not a global ARG, not declared in a stage that is
 * built, not a proxy variable, automatic platform arg or frontend option. Sorted like Go's
 * sort.Strings.
 */
export function unusedBuildArgs(buildArgs: ReadonlyMap<string, string>, declared: ReadonlySet<string>): string[] {
  const automatic = new Set<string>(PLATFORM_ARG_NAMES)
  return [...buildArgs.keys()]
    .filter((name) => !declared.has(name) && !automatic.has(name) && !FRONTEND_ARGS.has(name))
    .filter((name) => !PROXY_ARGS.has(name.toLowerCase()))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/** The legacy builder's warning text (`[Warning] One or more build-args [A B] were not consumed`). */
export function unusedBuildArgsWarning(names: readonly string[]): string | null {
  return names.length === 0 ? null : `[Warning] One or more build-args [${names.join(' ')}] were not consumed`
}
