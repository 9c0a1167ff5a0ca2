// Golden files: testdata/instructions/<case>/Dockerfile (+ options.json) → expected.json, the
// stages, stage graph, build plan and expanded instructions (or the error) in a compact form.
// Regenerate with UPDATE_GOLDEN=1 and review the diff.

import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseDockerfile } from '../parser'
import type { SourceRange } from '../syntax'
import type { BuildOptions } from './args'
import { InstructionError } from './errors'
import type { StageDependency } from './graph'
import { DEFAULT_PATH, expandStages } from './scope'
import { parseStages } from './stages'
import { resolveTarget } from './target'
import type { Instruction } from './types'

const root = join(import.meta.dirname, '..', 'testdata', 'instructions')

const at = (r: SourceRange) => `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`

/** An instruction without what the other fields make redundant (position, source text, node). */
function compact(instruction: Instruction): Record<string, unknown> {
  const { range: _range, original: _original, keyword: _keyword, ...rest } = instruction
  if (rest.kind === 'onbuild') {
    const { triggerNode: _node, ...onbuild } = rest
    return onbuild
  }
  if (rest.kind === 'run') return { ...rest, mounts: rest.mounts.map(({ range: _r, ...m }) => m) }
  return rest
}

const dependency = (d: StageDependency) =>
  `${d.via} ${d.kind === 'stage' ? `stage ${d.stage}` : `image ${d.ref}`} (line ${d.instruction.line})`

function summarize(text: string, options: BuildOptions): unknown {
  try {
    const result = parseStages(parseDockerfile(text), options)
    const plan = resolveTarget(result.stages, result.options.target ?? undefined)
    const built = expandStages(result)
    return {
      warnings: result.warnings.map((w) => `${at(w.range)} ${w.rule}: ${w.message}`),
      globalArgs: Object.fromEntries(result.globalArgs),
      metaArgs: result.metaArgs.map(compact),
      stages: result.stages.map((s) => ({
        index: s.index,
        name: s.name,
        label: s.label,
        range: at(s.range),
        base: s.base,
        platform: s.platform,
        dependencies: s.dependencies.map(dependency),
        instructions: [s.from, ...s.instructions].map(compact),
      })),
      plan: { target: plan.target.label, stages: plan.stages.map((s) => s.index) },
      built: built.stages.map((s) => ({
        stage: s.stage.index,
        steps: s.steps.map((step) => ({
          line: step.instruction.line,
          ...(step.onbuild ? { onbuild: true } : {}),
          env: step.env.filter(([k, v]) => !(k === 'PATH' && v === DEFAULT_PATH)).map(([k, v]) => `${k}=${v}`),
          expanded: step.expanded === step.instruction ? 'unchanged' : compact(step.expanded),
        })),
        imageEnv: s.imageEnv,
      })),
      unusedBuildArgs: built.unusedBuildArgs,
    }
  } catch (err) {
    if (!(err instanceof InstructionError)) throw err
    return { error: { message: err.message, phase: err.phase, locations: err.locations.map(at) } }
  }
}

const cases = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()

describe('golden stages and expansion', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(5))
  for (const name of cases) {
    it(name, () => {
      const dir = join(root, name)
      const text = readFileSync(join(dir, 'Dockerfile'), 'utf8')
      const optionsFile = join(dir, 'options.json')
      const options = existsSync(optionsFile) ? (JSON.parse(readFileSync(optionsFile, 'utf8')) as BuildOptions) : {}
      const actual = summarize(text, options)
      const expectedFile = join(dir, 'expected.json')
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(expectedFile, JSON.stringify(actual, null, 2) + '\n')
      expect(actual).toEqual(JSON.parse(readFileSync(expectedFile, 'utf8')))
    })
  }
})
