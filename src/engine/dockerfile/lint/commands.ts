// Recognising the programs the rules care about in a simple command: package managers, their
// subcommands and options, dependency installers, and `rm` of a cache directory.

import type { ShellWord, SimpleCommand } from './shell-script'

/** A command with its leading assignments and wrappers (`sudo`, `env`, `if`…) set aside. */
export interface Invocation {
  /** The program's base name: `/usr/bin/apt-get` → `apt-get`. */
  readonly program: string
  readonly programWord: ShellWord
  readonly args: readonly ShellWord[]
  /** `NAME=value` words before the program (including `env NAME=value`). */
  readonly assignments: ReadonlyMap<string, string>
}

const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', '}', 'time'])
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s

export function invocation(command: SimpleCommand): Invocation | null {
  const words = command.words
  const assignments = new Map<string, string>()
  let i = 0
  for (; i < words.length; i++) {
    const value = words[i]?.value ?? ''
    const assignment = ASSIGNMENT.exec(value)
    if (assignment) {
      assignments.set(assignment[1] ?? '', assignment[2] ?? '')
      continue
    }
    if (KEYWORDS.has(value) || value === 'command' || value === 'exec' || value === 'nohup') continue
    if (value === 'sudo' || value === 'env') {
      // Their own options; `sudo -u user` and `env -u NAME` take a value.
      while (i + 1 < words.length && (words[i + 1]?.value ?? '').startsWith('-')) {
        const option = words[i + 1]?.value
        i++
        if (option === '-u' || option === '-g' || option === '-C') i++
      }
      continue
    }
    break
  }
  const programWord = words[i]
  if (!programWord) return null
  const program = programWord.value.slice(programWord.value.lastIndexOf('/') + 1)
  return { program, programWord, args: words.slice(i + 1), assignments }
}

/** A package manager call: its subcommand word and every option word. */
export interface SubcommandCall {
  readonly invocation: Invocation
  readonly subcommand: ShellWord
  readonly options: readonly ShellWord[]
  /** Arguments that are neither options nor option values. */
  readonly operands: readonly ShellWord[]
}

function subcommandCall(inv: Invocation, args: readonly ShellWord[], takesValue: ReadonlySet<string>): SubcommandCall | null {
  const options: ShellWord[] = []
  const operands: ShellWord[] = []
  let subcommand: ShellWord | undefined
  for (let i = 0; i < args.length; i++) {
    const word = args[i]
    if (!word) continue
    if (word.value.startsWith('-') && word.value !== '-') {
      options.push(word)
      const next = args[i + 1]
      if (takesValue.has(word.value) && next) {
        options.push(next)
        i++
      }
      continue
    }
    if (subcommand) operands.push(word)
    else subcommand = word
  }
  return subcommand ? { invocation: inv, subcommand, options, operands } : null
}

const APT_VALUE_OPTIONS = new Set(['-o', '-c', '-t', '--option', '--config-file', '--target-release', '--default-release'])
const APK_VALUE_OPTIONS = new Set(['-X', '--repository', '-p', '--root', '--arch', '-t', '--virtual', '--repositories-file', '--keys-dir', '--cache-dir'])
const PIP_VALUE_OPTIONS = new Set([
  '-r', '--requirement', '-c', '--constraint', '-e', '--editable', '-i', '--index-url', '--extra-index-url', '-t', '--target',
  '--prefix', '--root', '-f', '--find-links', '--cache-dir', '--platform', '--python-version', '--src', '--upgrade-strategy',
])

export function aptCall(inv: Invocation): SubcommandCall | null {
  if (inv.program !== 'apt-get' && inv.program !== 'apt') return null
  return subcommandCall(inv, inv.args, APT_VALUE_OPTIONS)
}

export function apkCall(inv: Invocation): SubcommandCall | null {
  return inv.program === 'apk' ? subcommandCall(inv, inv.args, APK_VALUE_OPTIONS) : null
}

/** `pip install`, `pip3.12 install`, `python3 -m pip install`. */
export function pipCall(inv: Invocation): SubcommandCall | null {
  if (/^pip\d*(\.\d+)?$/.test(inv.program)) return subcommandCall(inv, inv.args, PIP_VALUE_OPTIONS)
  if (/^python\d*(\.\d+)?$/.test(inv.program)) {
    const m = inv.args.findIndex((w) => w.value === '-m')
    if (m < 0 || inv.args[m + 1]?.value !== 'pip') return null
    return subcommandCall(inv, inv.args.slice(m + 2), PIP_VALUE_OPTIONS)
  }
  return null
}

/** True when one of `words` is the option, as `--flag` or `--flag=value`. */
export function hasOption(words: readonly ShellWord[], ...names: string[]): boolean {
  return words.some((w) => names.some((n) => w.value === n || w.value.startsWith(`${n}=`)))
}

/** `--no-install-recommends`, or `-o APT::Install-Recommends=false` (or `=0`). */
export function aptSkipsRecommends(call: SubcommandCall): boolean {
  if (hasOption(call.options, '--no-install-recommends')) return true
  return call.options.some((w) => /APT::Install-Recommends[=\s]*("?)(false|0|no)\1$/i.test(w.value))
}

/** A dependency install whose inputs are a few manifest files: what COPY . . should not precede. */
export interface DependencyInstall {
  readonly tool: string
  /** The files it reads, to name in the message. */
  readonly manifests: readonly string[]
  readonly from: ShellWord
  readonly to: ShellWord
}

const NODE_INSTALL: Record<string, { subs: readonly string[]; bare: boolean; manifests: readonly string[] }> = {
  npm: { subs: ['install', 'i', 'ci', 'add'], bare: false, manifests: ['package.json', 'package-lock.json'] },
  yarn: { subs: ['install'], bare: true, manifests: ['package.json', 'yarn.lock'] },
  pnpm: { subs: ['install', 'i'], bare: false, manifests: ['package.json', 'pnpm-lock.yaml'] },
}

const OTHER_INSTALL: readonly { program: string; sub: string; manifests: readonly string[] }[] = [
  { program: 'go', sub: 'mod', manifests: ['go.mod', 'go.sum'] },
  { program: 'bundle', sub: 'install', manifests: ['Gemfile', 'Gemfile.lock'] },
  { program: 'cargo', sub: 'build', manifests: ['Cargo.toml', 'Cargo.lock'] },
  { program: 'cargo', sub: 'fetch', manifests: ['Cargo.toml', 'Cargo.lock'] },
  { program: 'composer', sub: 'install', manifests: ['composer.json', 'composer.lock'] },
  { program: 'poetry', sub: 'install', manifests: ['pyproject.toml', 'poetry.lock'] },
  { program: 'pipenv', sub: 'install', manifests: ['Pipfile', 'Pipfile.lock'] },
  { program: 'dotnet', sub: 'restore', manifests: ['*.csproj'] },
]

export function dependencyInstall(inv: Invocation): DependencyInstall | null {
  const first = inv.args[0]
  const node = NODE_INSTALL[inv.program]
  if (node) {
    const sub = inv.args.find((w) => !w.value.startsWith('-'))
    if (sub && node.subs.includes(sub.value) && !(inv.program === 'npm' && sub.value === 'add')) {
      return { tool: `${inv.program} ${sub.value}`, manifests: node.manifests, from: inv.programWord, to: sub }
    }
    if (!sub && node.bare) return { tool: inv.program, manifests: node.manifests, from: inv.programWord, to: inv.programWord }
    return null
  }
  const pip = pipCall(inv)
  if (pip?.subcommand.value === 'install') {
    const req = pip.options.findIndex((w) => w.value === '-r' || w.value === '--requirement' || w.value.startsWith('--requirement='))
    if (req < 0) return null
    const option = pip.options[req]
    const file = option?.value.startsWith('--requirement=') ? option.value.slice('--requirement='.length) : pip.options[req + 1]?.value
    return { tool: 'pip install -r', manifests: [file ?? 'requirements.txt'], from: inv.programWord, to: pip.subcommand }
  }
  for (const known of OTHER_INSTALL) {
    if (inv.program !== known.program || first?.value !== known.sub) continue
    if (known.program === 'go' && inv.args[1]?.value !== 'download') continue
    const to = known.program === 'go' ? (inv.args[1] ?? first) : first
    return { tool: `${known.program} ${first.value}${known.program === 'go' ? ' download' : ''}`, manifests: known.manifests, from: inv.programWord, to }
  }
  return null
}

/** The paths an `rm` removes (operands, options skipped). */
export function removedPaths(inv: Invocation): string[] {
  if (inv.program !== 'rm') return []
  return inv.args.filter((w) => !w.value.startsWith('-')).map((w) => w.value)
}

/**
 * Whether removing `pattern` (as written: `/var/lib/apt/lists/*`, `$HOME/.cache`) takes `dir`
 * with it: the pattern is the directory, its contents, or a parent of it.
 */
export function removes(pattern: string, dir: string): boolean {
  let p = pattern.replace(/^(~|\$HOME|\$\{HOME\})(?=\/)/, '/root').replace(/\/+$/, '')
  p = p.replace(/\/(\*|\*\*|\.\*)$/, '')
  p = p.replace(/\/+$/, '')
  if (p === '' || !p.startsWith('/')) return false
  return dir === p || dir.startsWith(`${p}/`)
}

/** Shell builtins whose effect would leak into the commands after them if two RUNs were merged. */
export const STATEFUL_BUILTINS = new Set(['cd', 'pushd', 'popd', 'export', 'unset', 'set', 'source', '.', 'umask', 'alias', 'trap', 'exec', 'exit', 'readonly', 'shift', 'eval', 'ulimit', 'shopt', 'declare', 'local', 'typeset'])
