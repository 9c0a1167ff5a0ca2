// RUN, CMD, ENTRYPOINT and SHELL: the shell-dependent commands (parse.go parseRun & co, plus the
// RUN flag hooks of commands_run*.go).

import { goQuote } from '../go-strings'
import type { SourceRange } from '../syntax'
import type { ParsedFlags } from './flags'
import { parseDevice, parseMount } from './mounts'
import { DetailError } from './errors'
import { baseOf, commandArgs, errAtLeastOneArgument, errNotJSON } from './request'
import type { ParseRequest } from './request'
import type {
  CmdInstruction,
  CommandLine,
  EntrypointInstruction,
  InlineFile,
  NetworkMode,
  RunInstruction,
  RunMountFlag,
  SecurityMode,
  ShellInstruction,
} from './types'

const NETWORK_MODES: readonly NetworkMode[] = ['default', 'none', 'host']
const SECURITY_MODES: readonly SecurityMode[] = ['sandbox', 'insecure']

/** Shell form is run by the SHELL (`/bin/sh -c` unless changed); exec form is argv as written. */
function commandLine(req: ParseRequest): CommandLine {
  const args = commandArgs(req)
  return req.json ? { form: 'exec', args } : { form: 'shell', command: args.join(' ') }
}

/** Runs `parse` on each value of a repeatable flag, locating its errors at that value's flag. */
function eachFlagValue<T>(
  flags: ParsedFlags,
  name: string,
  fallback: SourceRange,
  parse: (value: string, range: SourceRange) => T,
): T[] {
  const ranges = flags.ranges(name)
  return flags.strings(name).map((value, i) => {
    const range = ranges[i] ?? fallback
    try {
      return parse(value, range)
    } catch (err) {
      if (err instanceof DetailError) throw new DetailError(err.message, range)
      throw err
    }
  })
}

export function parseRun(req: ParseRequest): RunInstruction {
  // The hooks declare their flags in file order: device, mount, network, security.
  const flags = req.flags([
    ['device', 'strings'],
    ['mount', 'strings'],
    ['network', 'string'],
    ['security', 'string'],
  ])
  const heredocs: InlineFile[] = req.node.heredocs.map((h) => ({ name: h.name, content: h.content, chomp: h.chomp }))
  const devices = eachFlagValue(flags, 'device', req.node.range, (spec) => parseDevice(spec))
  // Parse time: only the CSV and a variable in `from=` can fail here.
  const mounts = eachFlagValue(flags, 'mount', req.node.range, (spec, range): RunMountFlag => {
    return { spec, from: parseMount(spec, null).from, range, resolved: null }
  })
  const network = flags.string('network') ?? 'default'
  if (!NETWORK_MODES.includes(network as NetworkMode)) {
    throw new DetailError(`invalid network mode ${goQuote(network)}`, flags.ranges('network')[0])
  }
  const security = flags.string('security') ?? 'sandbox'
  if (!SECURITY_MODES.includes(security as SecurityMode)) {
    throw new DetailError(`security ${goQuote(security)} is not valid`, flags.ranges('security')[0])
  }
  return {
    ...baseOf('run', req.node),
    command: commandLine(req),
    heredocs,
    mounts,
    network: network as NetworkMode,
    security: security as SecurityMode,
    devices,
    flagsUsed: flags.usedNames,
  }
}

export function parseCmd(req: ParseRequest): CmdInstruction {
  req.flags([])
  return { ...baseOf('cmd', req.node), command: commandLine(req) }
}

export function parseEntrypoint(req: ParseRequest): EntrypointInstruction {
  req.flags([])
  return { ...baseOf('entrypoint', req.node), command: commandLine(req) }
}

export function parseShell(req: ParseRequest): ShellInstruction {
  req.flags([])
  const shell = commandArgs(req)
  if (shell.length === 0) throw errAtLeastOneArgument('SHELL')
  if (!req.json) throw errNotJSON('SHELL')
  return { ...baseOf('shell', req.node), shell }
}
