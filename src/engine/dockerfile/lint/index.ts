// Size and cache lint: pure rules over the parsed Dockerfile (and, for .dockerignore, facts
// about the context that the caller gathered). Costs are measured elsewhere (analysis/lint-cost).

import { parseStages, type StagesResult } from '../instructions/stages'
import type { ParseResult } from '../syntax'
import { buildModel, type RunStep } from './model'
import { apkRules, aptRules, pipRules } from './rules-packages'
import { baseUnpinned, consecutiveRuns, copyAllBeforeDeps, dockerignoreMissing, mergeRunsFix, runGroups } from './rules-layout'
import type { ContextFacts, LintFinding } from './types'

export { LINT_RULES } from './types'
export type { ContextFacts, CostProbe, LintFinding, LintFix, LintRuleId, LintRuleInfo, LintSeverity, TextEdit } from './types'
export { tokenizeShell } from './shell-script'
export type { ShellScript, ShellWord, SimpleCommand } from './shell-script'

export interface LintOptions {
  /** What the context holds; without it the .dockerignore rule is not checked. */
  readonly context?: ContextFacts
  /** Stages already computed for this parse (the editor has them). */
  readonly staged?: StagesResult
}

function byPosition(a: LintFinding, b: LintFinding): number {
  return a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column || a.rule.localeCompare(b.rule)
}

/** Every finding of the size and cache rules, in file order. Throws what parseStages throws. */
export function lintDockerfile(parsed: ParseResult, text: string, options: LintOptions = {}): LintFinding[] {
  const staged = options.staged ?? parseStages(parsed)
  const model = buildModel(parsed, staged, text)
  const out: LintFinding[] = []
  for (const stage of model.stages) {
    // The RUN right after each RUN of a group, for the "merge into the next RUN" fix.
    const nextRun = new Map<RunStep, RunStep>()
    for (const group of runGroups(stage)) group.forEach((step, i) => {
      const next = group[i + 1]
      if (next) nextRun.set(step, next)
    })
    const mergeWithNext = (step: RunStep) => {
      const next = nextRun.get(step)
      return next ? mergeRunsFix([step, next]) : null
    }
    for (const step of stage.runs.values()) out.push(...aptRules(step, mergeWithNext), ...apkRules(step), ...pipRules(step))
    out.push(...consecutiveRuns(stage), ...copyAllBeforeDeps(stage), ...baseUnpinned(stage))
  }
  out.push(...dockerignoreMissing(model, options.context))
  return out.sort(byPosition)
}
