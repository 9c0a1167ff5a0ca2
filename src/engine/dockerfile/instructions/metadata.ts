// Instructions that only change the image config or the build environment (parse.go parseEnv,
// parseLabel, parseArg, parseWorkdir, parseUser, parseExpose, parseVolume, parseStopSignal,
// parseMaintainer, parseOnBuild).

import { goToUpper, goTrimSpace } from '../go-strings'
import { DetailError } from './errors'
import {
  baseOf,
  errAtLeastOneArgument,
  errBlankCommandNames,
  errExactlyOneArgument,
  errTooManyArguments,
} from './request'
import type { ParseRequest } from './request'
import type {
  ArgDefinition,
  ArgInstruction,
  EnvInstruction,
  ExposeInstruction,
  KeyValue,
  LabelInstruction,
  MaintainerInstruction,
  OnbuildInstruction,
  StopsignalInstruction,
  UserInstruction,
  VolumeInstruction,
  WorkdirInstruction,
} from './types'

/** parseKvps: the parser emits key, value, separator triples (separator `` for `KEY value`). */
function keyValues(args: readonly string[], command: string): KeyValue[] {
  if (args.length === 0) throw errAtLeastOneArgument(command)
  if (args.length % 3 !== 0) throw errTooManyArguments(command)
  const pairs: KeyValue[] = []
  for (let i = 0; i < args.length; i += 3) {
    const key = args[i] ?? ''
    if (key === '') throw errBlankCommandNames(command)
    pairs.push({ key, value: args[i + 1] ?? '', legacy: args[i + 2] === '' })
  }
  return pairs
}

export function parseEnv(req: ParseRequest): EnvInstruction {
  req.flags([])
  return { ...baseOf('env', req.node), pairs: keyValues(req.args, 'ENV') }
}

export function parseLabel(req: ParseRequest): LabelInstruction {
  req.flags([])
  return { ...baseOf('label', req.node), pairs: keyValues(req.args, 'LABEL') }
}

/** ARG never checks its flags: `ARG --anything x` is accepted and the flag ignored. */
export function parseArg(req: ParseRequest): ArgInstruction {
  if (req.args.length < 1) throw errAtLeastOneArgument('ARG')
  const args: ArgDefinition[] = req.args.map((arg) => {
    const eq = arg.indexOf('=')
    if (eq < 0) return { key: arg, value: null }
    if (eq === 0) throw errBlankCommandNames('ARG')
    return { key: arg.slice(0, eq), value: arg.slice(eq + 1) }
  })
  return { ...baseOf('arg', req.node), args }
}

function exactlyOne(req: ParseRequest, command: string): string {
  const [value] = req.args
  if (req.args.length !== 1 || value === undefined) throw errExactlyOneArgument(command)
  return value
}

export function parseWorkdir(req: ParseRequest): WorkdirInstruction {
  const path = exactlyOne(req, 'WORKDIR')
  req.flags([])
  return { ...baseOf('workdir', req.node), path }
}

export function parseUser(req: ParseRequest): UserInstruction {
  const user = exactlyOne(req, 'USER')
  req.flags([])
  return { ...baseOf('user', req.node), user }
}

/** STOPSIGNAL never checks its flags either. The signal is validated once expanded. */
export function parseStopsignal(req: ParseRequest): StopsignalInstruction {
  const signal = exactlyOne(req, 'STOPSIGNAL')
  return { ...baseOf('stopsignal', req.node), signal }
}

export function parseMaintainer(req: ParseRequest): MaintainerInstruction {
  const maintainer = exactlyOne(req, 'MAINTAINER')
  req.flags([])
  return { ...baseOf('maintainer', req.node), maintainer }
}

/** Go's sort.Strings orders by bytes; UTF-16 order differs only above U+FFFF, which ports never hold. */
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

export function parseExpose(req: ParseRequest): ExposeInstruction {
  if (req.args.length === 0) throw errAtLeastOneArgument('EXPOSE')
  req.flags([])
  return { ...baseOf('expose', req.node), ports: [...req.args].sort(byteOrder), exposedPorts: null }
}

export function parseVolume(req: ParseRequest): VolumeInstruction {
  if (req.args.length === 0) throw errAtLeastOneArgument('VOLUME')
  req.flags([])
  const volumes = req.args.map((v) => {
    const trimmed = goTrimSpace(v).text
    if (trimmed === '') throw new DetailError('VOLUME specified can not be an empty string')
    return trimmed
  })
  return { ...baseOf('volume', req.node), volumes }
}

// `(?i)^\s*ONBUILD\s*` with Go's ASCII \s.
const ONBUILD_PREFIX = /^[\t\n\f\r ]*onbuild[\t\n\f\r ]*/i

export function parseOnbuild(req: ParseRequest): OnbuildInstruction {
  if (req.args.length === 0) throw errAtLeastOneArgument('ONBUILD')
  req.flags([])
  const sub = req.node.next
  if (sub?.kind !== 'subcommand') throw errAtLeastOneArgument('ONBUILD')
  const trigger = goToUpper(goTrimSpace(req.args[0] ?? '').text)
  if (trigger === 'ONBUILD') throw new DetailError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
  if (trigger === 'MAINTAINER' || trigger === 'FROM') {
    throw new DetailError(`${trigger} isn't allowed as an ONBUILD trigger`)
  }
  let expression = req.node.original.replace(ONBUILD_PREFIX, '')
  for (const heredoc of req.node.heredocs) expression += '\n' + heredoc.content + heredoc.name
  return { ...baseOf('onbuild', req.node), expression, trigger: sub.instruction.keyword, triggerNode: sub.instruction }
}
