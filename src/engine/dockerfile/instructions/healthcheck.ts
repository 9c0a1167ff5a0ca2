// HEALTHCHECK (parse.go parseHealthcheck, parseOptInterval).

import { goQuote, goToUpper } from '../go-strings'
import type { SourceRange } from '../syntax'
import { DetailError } from './errors'
import { GoParseError, parseGoDuration, parseInt } from './go-parse'
import { baseOf, commandArgs, errAtLeastOneArgument } from './request'
import type { ParseRequest } from './request'
import type { HealthcheckInstruction } from './types'

const MINIMUM_DURATION = 1_000_000 // container.MinimumDuration, 1ms

/** A duration flag: empty means unset (0); 0 is allowed; anything in (−∞, 1ms) other than 0 is not. */
function interval(name: string, value: string | null, range: SourceRange | undefined): number {
  if (value === null || value === '') return 0
  let ns: number
  try {
    ns = parseGoDuration(value)
  } catch (err) {
    if (err instanceof GoParseError) throw new DetailError(err.message, range)
    throw err
  }
  if (ns === 0) return 0
  if (ns < MINIMUM_DURATION) throw new DetailError(`Interval ${goQuote(name)} cannot be less than 1ms`, range)
  return ns
}

export function parseHealthcheck(req: ParseRequest): HealthcheckInstruction {
  if (req.args.length === 0) throw errAtLeastOneArgument('HEALTHCHECK')
  const base = baseOf('healthcheck', req.node)
  const type = goToUpper(req.args[0] ?? '')
  const rest = req.args.slice(1)
  if (type === 'NONE') {
    // BuildKit never looks at the flags of HEALTHCHECK NONE, known or not.
    if (rest.length !== 0) throw new DetailError('HEALTHCHECK NONE takes no arguments')
    return { ...base, health: { type: 'none' } }
  }
  const flags = req.flags([
    ['interval', 'string'],
    ['timeout', 'string'],
    ['start-period', 'string'],
    ['start-interval', 'string'],
    ['retries', 'string'],
  ])
  if (type !== 'CMD') throw new DetailError(`Unknown type ${goQuote(type)} in HEALTHCHECK (try CMD)`)
  const command = commandArgs({ ...req, args: rest })
  if (command.length === 0) throw new DetailError('Missing command after HEALTHCHECK CMD')
  const test = [req.json ? 'CMD' : 'CMD-SHELL', ...command]

  const duration = (name: string) => interval(name, flags.string(name), flags.ranges(name)[0])
  const health = {
    type: 'cmd' as const,
    test,
    interval: duration('interval'),
    timeout: duration('timeout'),
    startPeriod: duration('start-period'),
    startInterval: duration('start-interval'),
    retries: 0,
  }
  const retries = flags.string('retries')
  if (retries !== null && retries !== '') {
    const range = flags.ranges('retries')[0]
    let n: number
    try {
      n = parseInt(retries, 10, 32)
    } catch (err) {
      if (err instanceof GoParseError) throw new DetailError(err.message, range)
      throw err
    }
    if (n < 0) throw new DetailError(`--retries cannot be negative (${n})`, range)
    health.retries = n
  }
  return { ...base, health }
}
