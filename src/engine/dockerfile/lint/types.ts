// What the size-and-cache lint rules report: a finding at a range, an optional fix as text
// edits, and what to measure in a build to put a number on it (the engine measures; rules stay pure).

import type { SourcePosition, SourceRange } from '../syntax'

export type LintRuleId =
  | 'apt-lists-left'
  | 'apt-no-recommends'
  | 'apt-update-alone'
  | 'apk-no-cache'
  | 'pip-no-cache-dir'
  | 'consecutive-runs'
  | 'copy-all-before-deps'
  | 'dockerignore-missing'
  | 'base-unpinned'

export type LintSeverity = 'warning' | 'info'

/** Replace `range` with `text` (an empty range inserts). */
export interface TextEdit {
  readonly range: SourceRange
  readonly text: string
}

export interface LintFix {
  /** What the fix does, as a button label: `Add --no-cache`. */
  readonly title: string
  /** Edits to the Dockerfile, non-overlapping. */
  readonly edits: readonly TextEdit[]
  /** A file to create next to the context root (only `.dockerignore`), never overwriting one. */
  readonly createFile?: { readonly path: '.dockerignore'; readonly text: string }
}

/** What a build can tell about a finding; the engine's analysis turns it into a number. */
export type CostProbe =
  /** Bytes under these paths in the layer made by the instruction at `line`. */
  | { readonly kind: 'layer-paths'; readonly line: number; readonly instruction: string; readonly paths: readonly string[] }
  /** How often the step at `line` (a dependency install) rebuilt in recent builds. */
  | { readonly kind: 'step-rebuilds'; readonly line: number; readonly instruction: string }
  /** Files the later RUNs of a group delete or overwrite from the earlier ones' layers. */
  | { readonly kind: 'run-group'; readonly lines: readonly number[]; readonly instructions: readonly string[] }
  /** How often the base image changed under the stage at `line`. */
  | { readonly kind: 'base-changes'; readonly line: number; readonly instruction: string }

export interface LintFinding {
  readonly rule: LintRuleId
  readonly severity: LintSeverity
  readonly message: string
  readonly range: SourceRange
  readonly fixes: readonly LintFix[]
  readonly probe?: CostProbe
  /** A measured cost known without a build (the context's .git / node_modules). */
  readonly cost?: { readonly text: string; readonly bytes: number }
}

/** Facts about the build context that the `.dockerignore` rule needs (gathered by the engine). */
export interface ContextFacts {
  /** Which .dockerignore applies: none, the context's, or `<Dockerfile>.dockerignore`. */
  readonly dockerignore: 'none' | 'context' | 'dockerfile'
  /** Top-level directories the context would send that an image rarely wants. */
  readonly heavyDirs: readonly { readonly name: '.git' | 'node_modules'; readonly bytes: number; readonly files: number }[]
}

export interface LintRuleInfo {
  readonly severity: LintSeverity
  /** One line for docs and `--help`. */
  readonly doc: string
}

export const LINT_RULES: Readonly<Record<LintRuleId, LintRuleInfo>> = {
  'apt-lists-left': {
    severity: 'warning',
    doc: 'apt-get install without `rm -rf /var/lib/apt/lists/*` in the same RUN keeps the package lists in the layer.',
  },
  'apt-no-recommends': {
    severity: 'info',
    doc: 'apt-get install without --no-install-recommends also installs every recommended package.',
  },
  'apt-update-alone': {
    severity: 'warning',
    doc: 'apt-get update in a RUN of its own is cached apart from the install: later installs use stale lists.',
  },
  'apk-no-cache': { severity: 'warning', doc: 'apk add without --no-cache keeps the package index in /var/cache/apk.' },
  'pip-no-cache-dir': { severity: 'warning', doc: 'pip install without --no-cache-dir keeps downloaded wheels in ~/.cache/pip.' },
  'consecutive-runs': {
    severity: 'info',
    doc: 'Consecutive RUNs make a layer each; files one deletes stay in the layer of the one before.',
  },
  'copy-all-before-deps': {
    severity: 'warning',
    doc: 'COPY of the whole context before installing dependencies reinstalls them after any file changes.',
  },
  'dockerignore-missing': {
    severity: 'warning',
    doc: 'Without a .dockerignore, COPY of the whole context sends and copies .git and node_modules.',
  },
  'base-unpinned': { severity: 'warning', doc: 'A base image without a tag (or :latest) changes under you and breaks the cache.' },
}

export function finding(
  rule: LintRuleId,
  message: string,
  range: SourceRange,
  extra: { fixes?: readonly LintFix[]; probe?: CostProbe; cost?: LintFinding['cost'] } = {},
): LintFinding {
  return {
    rule,
    severity: LINT_RULES[rule].severity,
    message,
    range,
    fixes: extra.fixes ?? [],
    ...(extra.probe ? { probe: extra.probe } : {}),
    ...(extra.cost ? { cost: extra.cost } : {}),
  }
}

export function insertAt(position: SourcePosition, text: string): TextEdit {
  return { range: { start: position, end: position }, text }
}
