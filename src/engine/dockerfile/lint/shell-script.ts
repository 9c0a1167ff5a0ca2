// A small POSIX shell tokenizer for lint rules: it splits a RUN script into simple commands and
// words, each with its offsets in the script, so a rule can point at `install` in
// `apt-get -y install curl` or insert a flag right after it. It does not run or expand anything:
// quotes are removed from a word's value, `$VAR` and `$(…)` stay as written.

/** One shell word: its value with quotes and escapes removed, and where it was written. */
export interface ShellWord {
  readonly value: string
  readonly start: number
  readonly end: number
}

/** The operator that ended a command: `&&`, `||`, `;`, `|`, `&`, a newline, or the script's end. */
export type CommandSeparator = '&&' | '||' | ';' | '|' | '&' | '\n' | '(' | ')' | 'end'

export interface SimpleCommand {
  /** Every word, redirections and their targets excluded. */
  readonly words: readonly ShellWord[]
  /** The separator before the command ('end' for the first one). */
  readonly precededBy: CommandSeparator
  /** The separator that ends the command. */
  readonly followedBy: CommandSeparator
  /** Offsets from the first word's start to the last word's end. */
  readonly start: number
  readonly end: number
}

export interface ShellScript {
  readonly commands: readonly SimpleCommand[]
  /** A `#` comment appears somewhere (outside quotes): appending text after it is not safe. */
  readonly hasComment: boolean
}

const BLANK = new Set([' ', '\t', '\r'])
const OPERATOR_START = new Set(['&', '|', ';', '\n', '(', ')', '<', '>'])

/** Splits a script into simple commands. Never throws: an unterminated quote runs to the end. */
export function tokenizeShell(script: string): ShellScript {
  const commands: SimpleCommand[] = []
  let words: ShellWord[] = []
  let precededBy: CommandSeparator = 'end'
  let hasComment = false
  let skipNextWord = false
  let i = 0
  const n = script.length

  const finish = (sep: CommandSeparator): void => {
    const first = words[0]
    const last = words[words.length - 1]
    if (first && last) commands.push({ words, precededBy, followedBy: sep, start: first.start, end: last.end })
    words = []
    precededBy = sep
    skipNextWord = false
  }

  while (i < n) {
    const ch = script.charAt(i)
    if (BLANK.has(ch)) {
      i++
      continue
    }
    if (ch === '\\' && script.charAt(i + 1) === '\n') {
      i += 2 // a line continuation between words
      continue
    }
    if (ch === '#') {
      hasComment = true
      while (i < n && script.charAt(i) !== '\n') i++
      continue
    }
    if (OPERATOR_START.has(ch)) {
      const two = script.slice(i, i + 2)
      if (two === '&&' || two === '||') {
        finish(two)
        i += 2
      } else if (ch === '<' || ch === '>') {
        // A redirection: `>`, `>>`, `>&`, `<<`, `<<-`, `<&`, `<>`, `>|`; its target is not an argument.
        const previous = words[words.length - 1]
        // `2>&1`, `2>/dev/null`: a descriptor number written against the operator belongs to it.
        if (previous && previous.end === i && /^\d+$/.test(previous.value)) words.pop()
        i++
        while (i < n && '<>&|-'.includes(script.charAt(i))) i++
        skipNextWord = true
      } else {
        finish(ch === '\n' ? '\n' : (ch as CommandSeparator))
        i++
      }
      continue
    }
    const word = readWord(script, i)
    i = word.end
    if (skipNextWord) {
      skipNextWord = false
      continue
    }
    words.push(word)
  }
  finish('end')
  return { commands, hasComment }
}

/** A word from `start`: quotes, escapes, `$(…)`, `${…}` and backticks kept together. */
export function readWord(script: string, start: number): ShellWord {
  let value = ''
  let i = start
  const n = script.length
  while (i < n) {
    const ch = script.charAt(i)
    if (BLANK.has(ch) || OPERATOR_START.has(ch)) break
    if (ch === '\\') {
      const next = script.charAt(i + 1)
      if (next === '\n') {
        i += 2
        continue
      }
      value += next
      i += 2
      continue
    }
    if (ch === "'") {
      const close = script.indexOf("'", i + 1)
      const end = close < 0 ? n : close
      value += script.slice(i + 1, end)
      i = end + 1
      continue
    }
    if (ch === '"') {
      i++
      while (i < n && script.charAt(i) !== '"') {
        const c = script.charAt(i)
        if (c === '\\' && '$`"\\\n'.includes(script.charAt(i + 1))) {
          if (script.charAt(i + 1) !== '\n') value += script.charAt(i + 1)
          i += 2
          continue
        }
        if (c === '$' && script.charAt(i + 1) === '(') {
          const end = closeParen(script, i + 2)
          value += script.slice(i, end)
          i = end
          continue
        }
        value += c
        i++
      }
      i++
      continue
    }
    if (ch === '$' && script.charAt(i + 1) === '(') {
      const end = closeParen(script, i + 2)
      value += script.slice(i, end)
      i = end
      continue
    }
    if (ch === '$' && script.charAt(i + 1) === '{') {
      const close = script.indexOf('}', i + 2)
      const end = close < 0 ? n : close + 1
      value += script.slice(i, end)
      i = end
      continue
    }
    if (ch === '`') {
      const close = script.indexOf('`', i + 1)
      const end = close < 0 ? n : close + 1
      value += script.slice(i, end)
      i = end
      continue
    }
    value += ch
    i++
  }
  return { value, start, end: Math.min(i, n) }
}

/** The offset just past the `)` that closes a `$(` whose body starts at `from`. */
function closeParen(script: string, from: number): number {
  let depth = 1
  let i = from
  while (i < script.length && depth > 0) {
    const ch = script.charAt(i)
    if (ch === '\\') i++
    else if (ch === "'") {
      const close = script.indexOf("'", i + 1)
      i = close < 0 ? script.length : close
    } else if (ch === '(') depth++
    else if (ch === ')') depth--
    i++
  }
  return Math.min(i, script.length)
}
