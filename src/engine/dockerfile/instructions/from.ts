// FROM (parse.go parseFrom, parseBuildStageName) and the lint checks BuildKit runs on it.

import { goQuote, goToLower, goToUpper } from '../go-strings'
import { DetailError, lintWarning } from './errors'
import type { LintWarning } from './errors'
import { baseOf } from './request'
import type { ParseRequest } from './request'
import type { FromInstruction } from './types'

/** BuildKit's validStageName, `^[a-z][a-z0-9-_.]*$` (the `-` is literal there too). */
export const STAGE_NAME = /^[a-z][a-z0-9_.-]*$/

/** `FROM image` or `FROM image AS name` (AS in any case); the name lower-cased and checked. */
function stageName(args: readonly string[]): { name: string | null; asWritten: string | null } {
  const [, as, name] = args
  if (args.length === 3 && as !== undefined && name !== undefined && goToLower(as) === 'as') {
    const lower = goToLower(name)
    if (!STAGE_NAME.test(lower)) {
      throw new DetailError(
        `invalid name for build stage: ${goQuote(name)}, name can't start with a number or contain symbols`,
      )
    }
    return { name: lower, asWritten: name }
  }
  if (args.length !== 1) throw new DetailError('FROM requires either one or three arguments')
  return { name: null, asWritten: null }
}

/** getComment: the first comment line above FROM that starts with `<name> `. */
function docComment(comments: readonly string[], name: string | null): string {
  if (name === null || name === '') return ''
  const line = comments.find((c) => c.startsWith(name + ' '))
  return line === undefined ? '' : line.slice(name.length + 1)
}

export function parseFrom(req: ParseRequest): FromInstruction {
  const { name } = stageName(req.args)
  const flags = req.flags([['platform', 'string']])
  return {
    ...baseOf('from', req.node),
    baseName: req.args[0] ?? '',
    stageName: name,
    platform: flags.string('platform') || null,
    comment: docComment(req.node.prevComment, name),
  }
}

const isSelfConsistent = (s: string) => s === goToLower(s) || s === goToUpper(s)

/** StageNameCasing and FromAsCasing, which BuildKit's ParseInstructionWithLinter runs on FROM. */
export function fromLints(req: ParseRequest): LintWarning[] {
  const warnings: LintWarning[] = []
  const [, as, name] = req.args
  if (req.args.length !== 3 || as === undefined || name === undefined) return warnings
  if (name !== goToLower(name)) {
    warnings.push(lintWarning('StageNameCasing', `Stage name '${name}' should be lowercase`, req.node.range))
  }
  const keyword = req.node.value
  // A FROM in mixed case is reported by ConsistentInstructionCasing; no second warning for AS.
  if (isSelfConsistent(keyword)) {
    const wanted = keyword === goToLower(keyword) ? goToLower(as) : goToUpper(as)
    if (as !== wanted) {
      const message = `'${as}' and '${keyword}' keywords' casing do not match`
      warnings.push(lintWarning('FromAsCasing', message, req.node.range))
    }
  }
  return warnings
}
