// Errors and lint warnings of the instruction layer (BuildKit's instructions package and the
// stage/argument part of dockerfile2llb).

import { DockerfileParseError } from '../errors'
import type { SourceRange } from '../syntax'

/**
 * When BuildKit raises the error: `parse` while turning nodes into instructions (it prints
 * `dockerfile parse error on line N: …`), `build` while resolving stages, arguments and
 * variables (no prefix in BuildKit; we say `line N: …`).
 */
export type InstructionErrorPhase = 'parse' | 'build'

export interface InstructionErrorOptions {
  readonly phase?: InstructionErrorPhase
  /** The line to name in the message when `location` points inside a longer instruction. */
  readonly line?: number
  /** Every place involved (a dependency cycle spans several COPY lines); `location` is the first. */
  readonly locations?: readonly SourceRange[]
}

/**
 * An instruction BuildKit would refuse. `detail` is BuildKit's own text (e.g. `unknown flag:
 * --chwon (did you mean chown?)`); `location` is the offending flag, argument or instruction.
 */
export class InstructionError extends DockerfileParseError {
  readonly phase: InstructionErrorPhase
  readonly line: number
  readonly locations: readonly SourceRange[]

  constructor(detail: string, location: SourceRange, options: InstructionErrorOptions = {}) {
    super(detail, location)
    this.phase = options.phase ?? 'parse'
    this.line = options.line ?? location.start.line
    this.locations = options.locations ?? [location]
    this.message =
      this.phase === 'parse' ? `dockerfile parse error on line ${this.line}: ${detail}` : `line ${this.line}: ${detail}`
  }
}

/**
 * Raised by helpers that do not know where they are (flag values, mount specs, durations); the
 * instruction parser re-raises it as an InstructionError at the instruction, or at `range`.
 */
export class DetailError extends Error {
  override readonly name = 'DetailError'
  constructor(
    message: string,
    readonly range?: SourceRange,
  ) {
    super(message)
  }
}

/** The lint rules this layer reports; names, texts and URLs are BuildKit's (linter/ruleset.go). */
export type LintRuleName =
  | 'StageNameCasing'
  | 'FromAsCasing'
  | 'DuplicateStageName'
  | 'ReservedStageName'
  | 'MaintainerDeprecated'

export interface LintWarning {
  readonly rule: LintRuleName
  /** The formatted message, e.g. `Duplicate stage name "build", stage names should be unique`. */
  readonly message: string
  /** The rule's description. */
  readonly description: string
  readonly url: string
  readonly range: SourceRange
}

const RULES: Readonly<Record<LintRuleName, { description: string; url: string }>> = {
  StageNameCasing: {
    description: 'Stage names should be lowercase',
    url: 'https://docs.docker.com/go/dockerfile/rule/stage-name-casing/',
  },
  FromAsCasing: {
    description: "The 'as' keyword should match the case of the 'from' keyword",
    url: 'https://docs.docker.com/go/dockerfile/rule/from-as-casing/',
  },
  DuplicateStageName: {
    description: 'Stage names should be unique',
    url: 'https://docs.docker.com/go/dockerfile/rule/duplicate-stage-name/',
  },
  ReservedStageName: {
    description: 'Reserved words should not be used as stage names',
    url: 'https://docs.docker.com/go/dockerfile/rule/reserved-stage-name/',
  },
  MaintainerDeprecated: {
    description: 'The MAINTAINER instruction is deprecated, use a label instead to define an image author',
    url: 'https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/',
  },
}

export function lintWarning(rule: LintRuleName, message: string, range: SourceRange): LintWarning {
  return { rule, message, ...RULES[rule], range }
}
