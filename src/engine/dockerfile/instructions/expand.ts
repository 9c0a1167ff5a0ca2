// Variable expansion of one instruction, as BuildKit's dispatch does it (instructions.*.Expand,
// ExpandRaw, dispatchExpose, setMountState). Every word of one instruction sees the same
// environment: the stage's state before the instruction (`ENV a=2 b=$a` gives b the old a).
//
// Expanded: ENV and LABEL keys and values; WORKDIR, USER, STOPSIGNAL; VOLUME items; EXPOSE
// (words mode); COPY/ADD sources, dest, --chown, --chmod, ADD --checksum, unquoted heredoc
// bodies; RUN --mount values. Not expanded: RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK commands,
// MAINTAINER, ONBUILD (until it fires), COPY --from, --exclude, --network, --security.
// ARG is sequential (each default sees the ARGs before it) and is handled by the stage walk.

import { ShellExpansionError, ShellLex } from '../shell-lex'
import type { EscapeToken, SourceRange } from '../syntax'
import { parseChmod } from './chmod'
import { checkSignal, parsePortSpecs } from './config-values'
import type { EnvList } from './env-list'
import { DetailError, InstructionError } from './errors'
import { parseMount } from './mounts'
import type { AddInstruction, Command, CopyInstruction, HeredocSource, KeyValue, RunInstruction } from './types'

export interface Expander {
  /** One word, quotes removed (ProcessWord). */
  word(word: string, at?: SourceRange): string
  /** Words mode (ProcessWords): unquoted blanks, also inside values, split words. */
  words(word: string, at?: SourceRange): string[]
  /** A heredoc body: only `$…` and `\` are special, whatever the escape directive (ExpandRaw). */
  raw(text: string, at?: SourceRange): string
}

/** An expander bound to one environment; errors become build errors at `range` (or `at`). */
export function expanderFor(env: EnvList, escapeToken: EscapeToken, range: SourceRange): Expander {
  const lex = new ShellLex({ escapeToken })
  const rawLex = new ShellLex({ escapeToken: '\\', skipProcessQuotes: true })
  const located = <T>(at: SourceRange | undefined, run: () => T): T => {
    try {
      return run()
    } catch (err) {
      if (err instanceof ShellExpansionError) throw new InstructionError(err.message, at ?? range, { phase: 'build' })
      throw err
    }
  }
  return {
    word: (word, at) => located(at, () => lex.processWord(word, env.lookup).result),
    words: (word, at) => located(at, () => lex.processWords(word, env.lookup).words),
    raw: (text, at) => located(at, () => rawLex.processWord(text, env.lookup).result),
  }
}

/** A dispatch-time check (chmod, signal, ports, mounts) failing: a build error at `at`. */
function checked<T>(at: SourceRange, run: () => T): T {
  try {
    return run()
  } catch (err) {
    if (err instanceof DetailError) throw new InstructionError(err.message, err.range ?? at, { phase: 'build' })
    throw err
  }
}

function pairs(list: readonly KeyValue[], x: Expander): KeyValue[] {
  return list.map((p) => ({ ...p, key: x.word(p.key), value: x.word(p.value) }))
}

function heredocs(list: readonly HeredocSource[], x: Expander): HeredocSource[] {
  return list.map((h) => (h.expand ? { ...h, content: x.raw(h.content) } : h))
}

/** An empty --chown or --chmod after expansion means none, as in BuildKit's `!= ""` checks. */
function optional(value: string | null, x: Expander): string | null {
  return value === null ? null : x.word(value) || null
}

function copyAdd<I extends CopyInstruction | AddInstruction>(c: I, x: Expander): I {
  const chown = optional(c.chown, x)
  const chmod = optional(c.chmod, x)
  if (chmod !== null) checked(c.range, () => parseChmod(chmod))
  const checksum = c.kind === 'add' ? { checksum: optional(c.checksum, x) } : {}
  return {
    ...c,
    chown,
    chmod,
    ...checksum,
    sources: c.sources.map((s) => x.word(s)),
    dest: x.word(c.dest),
    heredocs: heredocs(c.heredocs, x),
  }
}

function run(c: RunInstruction, x: Expander): RunInstruction {
  if (c.mounts.length === 0) return c
  const mounts = c.mounts.map((m) => ({
    ...m,
    resolved: checked(m.range, () => parseMount(m.spec, (value) => x.word(value, m.range))),
  }))
  return { ...c, mounts }
}

/**
 * The instruction with its variables replaced, checked the way dispatch checks it (--chmod,
 * STOPSIGNAL, EXPOSE port specs, --mount specs). Throws InstructionError (phase `build`).
 * ARG is returned unchanged: see expandStages.
 */
export function expandCommand<C extends Command>(command: C, env: EnvList, escapeToken: EscapeToken): C {
  const x = expanderFor(env, escapeToken, command.range)
  const c: Command = command
  let out: Command
  switch (c.kind) {
    case 'env':
    case 'label':
      out = { ...c, pairs: pairs(c.pairs, x) }
      break
    case 'workdir':
      out = { ...c, path: x.word(c.path) }
      break
    case 'user':
      out = { ...c, user: x.word(c.user) }
      break
    case 'stopsignal': {
      const signal = x.word(c.signal)
      checked(c.range, () => checkSignal(signal))
      out = { ...c, signal }
      break
    }
    case 'volume': {
      const volumes = c.volumes.map((v) => x.word(v))
      if (volumes.includes('')) {
        throw new InstructionError('VOLUME specified can not be an empty string', c.range, { phase: 'build' })
      }
      out = { ...c, volumes }
      break
    }
    case 'expose': {
      const ports = c.ports.flatMap((p) => x.words(p))
      out = { ...c, ports, exposedPorts: checked(c.range, () => parsePortSpecs(ports)) }
      break
    }
    case 'copy':
    case 'add':
      out = copyAdd(c, x)
      break
    case 'run':
      out = run(c, x)
      break
    default:
      out = c
  }
  return out as C
}
