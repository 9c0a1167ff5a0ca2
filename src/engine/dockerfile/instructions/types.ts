// Typed Dockerfile instructions: BuildKit's instructions.*Command structs as one discriminated
// union. Values are as written (quotes and `$VAR`s intact) until expanded (see expand.ts); an
// expanded instruction has the same shape with the expandable fields replaced.

import type { InstructionNode, SourceRange } from '../syntax'

export type InstructionKind =
  | 'from'
  | 'run'
  | 'cmd'
  | 'entrypoint'
  | 'copy'
  | 'add'
  | 'env'
  | 'arg'
  | 'label'
  | 'workdir'
  | 'user'
  | 'expose'
  | 'volume'
  | 'shell'
  | 'healthcheck'
  | 'stopsignal'
  | 'onbuild'
  | 'maintainer'

interface InstructionBase<K extends InstructionKind> {
  readonly kind: K
  /** The keyword as written (`Run`, `COPY`): BuildKit's Command.Name(). */
  readonly keyword: string
  /** The logical line, trimmed: BuildKit's Command.String(). */
  readonly original: string
  /** The instruction's first physical line (the one BuildKit's errors name). */
  readonly line: number
  /** From the keyword through the end of the last continuation or heredoc line. */
  readonly range: SourceRange
}

/** Shell form (`RUN echo hi`) is one string for the SHELL to run; exec form (`["echo","hi"]`) is argv. */
export type CommandLine =
  | { readonly form: 'shell'; readonly command: string }
  | { readonly form: 'exec'; readonly args: readonly string[] }

/** A heredoc given to RUN (BuildKit ShellInlineFile): body verbatim, `<<-` applied later. */
export interface InlineFile {
  readonly name: string
  readonly content: string
  readonly chomp: boolean
}

/** A heredoc used as a COPY/ADD source (BuildKit SourceContent): body already chomped. */
export interface HeredocSource {
  readonly name: string
  readonly content: string
  /** False when the delimiter was quoted: the body is copied as written. */
  readonly expand: boolean
}

export interface KeyValue {
  readonly key: string
  readonly value: string
  /** `ENV KEY value` (legacy, no `=`): BuildKit's NoDelim, which the LegacyKeyValueFormat lint reports. */
  readonly legacy: boolean
}

export interface ArgDefinition {
  readonly key: string
  /** null for `ARG NAME` without a default. */
  readonly value: string | null
}

export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh'
export type MountSharing = 'shared' | 'private' | 'locked'

/** A `RUN --mount` after expansion (BuildKit instructions.Mount). */
export interface Mount {
  readonly type: MountType
  readonly from: string | null
  readonly source: string | null
  readonly target: string | null
  readonly readOnly: boolean
  /** tmpfs `size`, in bytes. */
  readonly sizeLimit: number | null
  readonly cacheId: string | null
  readonly cacheSharing: MountSharing | null
  readonly required: boolean
  /** secret `env=NAME`: expose the secret as this variable. */
  readonly env: string | null
  readonly mode: number | null
  readonly uid: number | null
  readonly gid: number | null
}

/** One `--mount=…` flag. Its values may hold variables, so it is interpreted only when expanded. */
export interface RunMountFlag {
  /** The flag value, e.g. `type=cache,target=/root/.cache`. */
  readonly spec: string
  /** The `from=` stage or image, known without expansion (BuildKit refuses variables there). */
  readonly from: string | null
  readonly range: SourceRange
  /** Filled in by expansion; null in a parsed instruction. */
  readonly resolved: Mount | null
}

export interface RunDevice {
  readonly name: string
  readonly required: boolean
}

export type NetworkMode = 'default' | 'none' | 'host'
export type SecurityMode = 'sandbox' | 'insecure'

export interface FromInstruction extends InstructionBase<'from'> {
  /** The image or stage reference as written (`golang:${VERSION}`). */
  readonly baseName: string
  /** `AS name`, lower-cased as BuildKit does; null when the stage is unnamed. */
  readonly stageName: string | null
  /** `--platform` as written; null when absent. */
  readonly platform: string | null
  /** The doc comment above FROM that starts with the stage name (BuildKit Stage.Comment). */
  readonly comment: string
}

export interface RunInstruction extends InstructionBase<'run'> {
  readonly command: CommandLine
  readonly heredocs: readonly InlineFile[]
  readonly mounts: readonly RunMountFlag[]
  readonly network: NetworkMode
  readonly security: SecurityMode
  readonly devices: readonly RunDevice[]
  /** Names of the flags written (BuildKit FlagsUsed). */
  readonly flagsUsed: readonly string[]
}

export interface CmdInstruction extends InstructionBase<'cmd'> {
  readonly command: CommandLine
}

export interface EntrypointInstruction extends InstructionBase<'entrypoint'> {
  readonly command: CommandLine
}

interface CopyAddCommon {
  /** Source paths (heredoc sources excluded), as written. */
  readonly sources: readonly string[]
  readonly heredocs: readonly HeredocSource[]
  readonly dest: string
  readonly chown: string | null
  readonly chmod: string | null
  readonly link: boolean
  /** `--exclude` patterns; never expanded. */
  readonly excludes: readonly string[]
}

export interface CopyInstruction extends InstructionBase<'copy'>, CopyAddCommon {
  /** `--from` stage name, stage index or image; never expanded. */
  readonly from: string | null
  readonly parents: boolean
}

export interface AddInstruction extends InstructionBase<'add'>, CopyAddCommon {
  /** null when `--keep-git-dir` is absent (BuildKit then defers to the git URL). */
  readonly keepGitDir: boolean | null
  readonly checksum: string | null
  /** null when `--unpack` is absent: archives from the context are unpacked, URLs are not. */
  readonly unpack: boolean | null
}

export interface EnvInstruction extends InstructionBase<'env'> {
  readonly pairs: readonly KeyValue[]
}

export interface LabelInstruction extends InstructionBase<'label'> {
  readonly pairs: readonly KeyValue[]
}

export interface ArgInstruction extends InstructionBase<'arg'> {
  readonly args: readonly ArgDefinition[]
}

export interface WorkdirInstruction extends InstructionBase<'workdir'> {
  readonly path: string
}

export interface UserInstruction extends InstructionBase<'user'> {
  readonly user: string
}

export interface ExposeInstruction extends InstructionBase<'expose'> {
  /** The words as written, sorted (BuildKit sorts them at parse time). */
  readonly ports: readonly string[]
  /** `port/proto` keys, e.g. `80/tcp`; filled in by expansion, null in a parsed instruction. */
  readonly exposedPorts: readonly string[] | null
}

export interface VolumeInstruction extends InstructionBase<'volume'> {
  readonly volumes: readonly string[]
}

export interface ShellInstruction extends InstructionBase<'shell'> {
  readonly shell: readonly string[]
}

/** Durations in nanoseconds; 0 means "not set, use the runtime default". */
export interface HealthcheckCommand {
  readonly type: 'cmd'
  /** `["CMD", …]` (exec form) or `["CMD-SHELL", "<command>"]` (shell form). */
  readonly test: readonly string[]
  readonly interval: number
  readonly timeout: number
  readonly startPeriod: number
  readonly startInterval: number
  readonly retries: number
}

export type Healthcheck = { readonly type: 'none' } | HealthcheckCommand

export interface HealthcheckInstruction extends InstructionBase<'healthcheck'> {
  readonly health: Healthcheck
}

export interface StopsignalInstruction extends InstructionBase<'stopsignal'> {
  readonly signal: string
}

export interface OnbuildInstruction extends InstructionBase<'onbuild'> {
  /** The trigger text stored in the image (original minus `ONBUILD`, heredoc bodies appended). */
  readonly expression: string
  /** The trigger's keyword, lower-cased (`run`, `copy`, …). */
  readonly trigger: string
  /** The trigger as parsed with this file; BuildKit re-parses `expression` when it fires. */
  readonly triggerNode: InstructionNode
}

export interface MaintainerInstruction extends InstructionBase<'maintainer'> {
  readonly maintainer: string
}

export type Instruction =
  | FromInstruction
  | RunInstruction
  | CmdInstruction
  | EntrypointInstruction
  | CopyInstruction
  | AddInstruction
  | EnvInstruction
  | ArgInstruction
  | LabelInstruction
  | WorkdirInstruction
  | UserInstruction
  | ExposeInstruction
  | VolumeInstruction
  | ShellInstruction
  | HealthcheckInstruction
  | StopsignalInstruction
  | OnbuildInstruction
  | MaintainerInstruction

/** Every instruction but FROM: what a stage holds (BuildKit's Command). */
export type Command = Exclude<Instruction, FromInstruction>
