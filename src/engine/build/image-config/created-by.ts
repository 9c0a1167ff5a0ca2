// The `created_by` text BuildKit's Dockerfile frontend writes for each instruction
// (dockerfile2llb dispatchXxx → commitToHistory). Entries that commit a snapshot (RUN, COPY,
// ADD) end in ` # buildkit`; WORKDIR commits a layer but goes through the metadata path, so it
// does not. Every string here is built from the *expanded* instruction.

import { chompHeredocContent, parseHeredocWord } from '../../dockerfile'
import type {
  AddInstruction,
  ArgDefinition,
  ArgInstruction,
  CopyInstruction,
  EnvEntry,
  Healthcheck,
  KeyValue,
  RunInstruction,
} from '../../dockerfile'
import { goDuration, goList, goQuotedList, goQuotedRune } from './go-format'
import { goJoin } from './paths'

export const HISTORY_COMMENT = 'buildkit.dockerfile.v0'

/** commitToHistory: entries backed by an LLB state get the marker. */
export function withBuildkitMarker(text: string): string {
  return text + ' # buildkit'
}

/** defaultShell(os). */
export function defaultShell(os: string): string[] {
  return os === 'windows' ? ['cmd', '/S', '/C'] : ['/bin/sh', '-c']
}

/** withShell: the config's SHELL (or the default) plus the shell-form words joined by spaces. */
export function withShell(shell: readonly string[] | undefined, os: string, args: readonly string[]): string[] {
  const prefix = shell !== undefined && shell.length > 0 ? [...shell] : defaultShell(os)
  return [...prefix, args.join(' ')]
}

/** `ENV a=1 b=2`, `LABEL k=v`: KeyValuePair.String for each pair. */
export function keyValueText(keyword: 'ENV' | 'LABEL', pairs: readonly KeyValue[]): string {
  return [keyword, ...pairs.map((p) => `${p.key}=${p.value}`)].join(' ')
}

/** `ARG a=1 b`: each name with its effective value (build-arg, default or global), if any. */
export function argText(arg: ArgInstruction): string {
  return 'ARG ' + arg.args.map((a) => (a.value === null ? a.key : `${a.key}=${a.value}`)).join(' ')
}

/**
 * The argv dispatchRun hands to the executor. Shell form goes through withShell; a RUN whose
 * whole command is one heredoc runs the body (or, with a shebang, the body saved as a file
 * under /dev/pipes); any other heredoc use is rebuilt into one shell script.
 */
export function runArgs(run: RunInstruction, shell: readonly string[] | undefined, os: string): string[] {
  if (run.command.form === 'exec') {
    if (run.heredocs.length > 0) {
      throw new Error(`parsing produced an invalid run command: ${goList(run.command.args)}`)
    }
    return [...run.command.args]
  }
  let args = [run.command.command]
  const [first] = run.heredocs
  if (first !== undefined) {
    if (parseHeredocWord(run.command.command) !== null) {
      if (os !== 'windows' && first.content.startsWith('#!')) args = [goJoin('/dev/pipes/', first.name)]
      else args = [first.chomp ? chompHeredocContent(first.content) : first.content]
    } else {
      let full = run.command.command
      for (const file of run.heredocs) full += '\n' + file.content + file.name
      args = [full]
    }
  }
  return withShell(shell, os, args)
}

/**
 * runCommandString: `|N k=v …` for the stage's declared ARGs (declaration order, one entry per
 * name, the value the build environment has now — so an ENV of the same name shows — else the
 * ARG's own, else empty), then the argv joined by spaces without quoting.
 */
export function runCommandString(args: readonly string[], buildArgs: readonly ArgDefinition[], env: readonly EnvEntry[]): string {
  const lookup = new Map(env)
  const entries: string[] = []
  const index = new Map<string, number>()
  for (const arg of buildArgs) {
    const value = lookup.get(arg.key) ?? arg.value ?? ''
    const entry = `${arg.key}=${value}`
    const at = index.get(arg.key)
    if (at === undefined) {
      index.set(arg.key, entries.length)
      entries.push(entry)
    } else entries[at] = entry
  }
  const prefix = entries.length > 0 ? [`|${entries.length}`, ...entries] : []
  return [...prefix, ...args].join(' ')
}

/**
 * dispatchCopy's message: the flags that change the result (`--parents`, `--chown`, `--chmod`;
 * never `--from`, `--link`, `--exclude`, `--checksum`), the expanded sources, heredoc sources as
 * `<<NAME` after them, then the destination as written.
 */
export function copyText(c: CopyInstruction | AddInstruction): string {
  const words = [c.kind === 'add' ? 'ADD' : 'COPY']
  if (c.kind === 'copy' && c.parents) words.push('--parents')
  if (c.chown !== null) words.push('--chown=' + c.chown)
  if (c.chmod !== null) words.push('--chmod=' + c.chmod)
  words.push(...c.sources, ...c.heredocs.map((h) => '<<' + h.name), c.dest)
  return withBuildkitMarker(words.join(' '))
}

/** dockerspec.HealthcheckConfig for the instruction: NONE is a one-word test, nothing else. */
export function healthcheckFields(health: Healthcheck): Required<{
  Test: string[]
  Interval: number
  Timeout: number
  StartPeriod: number
  StartInterval: number
  Retries: number
}> {
  if (health.type === 'none') {
    return { Test: ['NONE'], Interval: 0, Timeout: 0, StartPeriod: 0, StartInterval: 0, Retries: 0 }
  }
  return {
    Test: [...health.test],
    Interval: health.interval,
    Timeout: health.timeout,
    StartPeriod: health.startPeriod,
    StartInterval: health.startInterval,
    Retries: health.retries,
  }
}

/**
 * `HEALTHCHECK %q` of a *HealthcheckConfig: `&{` then the fields in struct order, unnamed — the
 * test as a quoted list, durations through their String method and quoted, the retry count as
 * a quoted rune (3 → '\x03', 10 → '\n').
 */
export function healthcheckText(health: Healthcheck): string {
  const h = healthcheckFields(health)
  const durations = [h.Interval, h.Timeout, h.StartPeriod, h.StartInterval].map((d) => `"${goDuration(d)}"`)
  return `HEALTHCHECK &{${[goQuotedList(h.Test), ...durations, goQuotedRune(h.Retries)].join(' ')}}`
}
