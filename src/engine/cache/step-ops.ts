// The shape of a step's inputs (step-inputs.ts builds them): one record per step, JSON-able,
// stored beside the cache entry so the next miss can be explained field by field. Changing what
// a field means changes keys: bump `v` then, so old records read as another format.

import type { MountSharing, MountType, NetworkMode, Platform, SecurityMode } from '../dockerfile'

/** A mount as keyed: defaults are left out so that spelling a default does not change a key. */
export interface MountOp {
  readonly type: MountType
  readonly target: string | null
  readonly readonly: boolean
  /** bind / cache `from`: the path inside the mounted filesystem. */
  readonly source?: string
  /** The content digest of that path (or the `from` stage's key): a bind mount's real input. */
  readonly content?: string
  /** cache id when it is not the default (the target); secret/ssh id. */
  readonly id?: string
  /** cache sharing when it is not the default (`shared`). */
  readonly sharing?: MountSharing
  readonly size?: number
  readonly mode?: number
  readonly uid?: number
  readonly gid?: number
  readonly required?: boolean
  readonly env?: string
}

export interface RunOp {
  readonly type: 'run'
  /** argv as executed: SHELL + command for the shell form, the JSON array for the exec form. */
  readonly args: readonly string[]
  readonly heredocs: readonly { readonly name: string; readonly content: string; readonly chomp: boolean }[]
  /** `NAME=value`, in order: BuildKit keys the env list as a list. */
  readonly env: readonly string[]
  readonly cwd: string
  readonly user: string
  readonly network: NetworkMode
  readonly security: SecurityMode
  readonly mounts: readonly MountOp[]
  readonly devices: readonly { readonly name: string; readonly required: boolean }[]
  readonly platform: string
}

export interface CopyOp {
  readonly type: 'copy' | 'add'
  /** Source selectors, cleaned (`dir/.` ≡ `dir/` ≡ `/dir`), in order; heredocs as `<<NAME`. */
  readonly src: readonly string[]
  /** Resolved against WORKDIR; a trailing `/` means "copy into". */
  readonly dest: string
  readonly chown: string | null
  /** Octal modes as numbers (`0755` ≡ `755`), symbolic ones as written. */
  readonly chmod: number | string | null
  readonly followSymlinks: true
  readonly dirContents: true
  /** ADD: null = archives from the context are unpacked, URLs are not. COPY: false. */
  readonly unpack: boolean | null
  readonly link: boolean
  readonly parents: boolean
  readonly excludes: readonly string[]
  readonly checksum: string | null
  readonly keepGitDir: boolean | null
}

/** WORKDIR other than `/`: BuildKit's Mkdir FileAction on the parent. */
export interface MkdirOp {
  readonly type: 'mkdir'
  readonly path: string
  readonly mode: number
  readonly parents: true
  readonly owner: string
}

export interface FromOp {
  readonly type: 'from'
  /** `scratch`, `image:<manifestDigest>|<platform>`, or `stage` (the stage's key is the parent). */
  readonly base: string
}

export type StepOp = RunOp | CopyOp | MkdirOp | FromOp

/** One COPY/ADD source: its selector and the content digest of what it selects. */
export interface SourceInput {
  readonly selector: string
  readonly digest: string
  /** Per-file digests (context-relative path → digest): explains a miss, never keyed. */
  readonly files?: Readonly<Record<string, string>>
}

/** Not keyed: what lets a miss be told in a person's terms. */
export interface StepExplanation {
  /** The env entries (RUN) or referenced variables (others) whose value is a build ARG's. */
  readonly buildArgs?: readonly string[]
  /** COPY/ADD/WORKDIR: the variables their text names, with the values they had (null: unset). */
  readonly vars?: Readonly<Record<string, string | null>>
  /** FROM: the reference as written (`alpine:3.19`, or the stage name). */
  readonly ref?: string
}

export interface StepInputs {
  readonly v: 1
  /** The parent step's key; `''` for scratch; `image:<manifestDigest>|<platform>` on an image. */
  readonly parent: string
  readonly op: StepOp
  readonly sources?: readonly SourceInput[]
  readonly explain?: StepExplanation
}

export type BaseImage =
  | { readonly kind: 'scratch' }
  | { readonly kind: 'image'; readonly ref: string; readonly manifestDigest: string; readonly platform: Platform | string }
  | { readonly kind: 'stage'; readonly name: string; readonly key: string }
