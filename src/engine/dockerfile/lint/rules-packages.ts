// Package-manager rules: apt lists left in the layer, apt without --no-install-recommends,
// apt-get update on its own, apk without --no-cache, pip without --no-cache-dir.

import { aptCall, aptSkipsRecommends, apkCall, hasOption, pipCall, removedPaths, removes, type SubcommandCall } from './commands'
import { mountedOver, type RunCall, type RunStep } from './model'
import { finding, type LintFinding, type LintFix } from './types'

const APT_LISTS = '/var/lib/apt/lists'
const APK_CACHE = '/var/cache/apk'
const PIP_CACHE = '/root/.cache/pip'
const APT_INSTALLS = new Set(['install', 'upgrade', 'dist-upgrade', 'full-upgrade', 'build-dep', 'reinstall'])

interface Found {
  readonly call: RunCall
  readonly sub: SubcommandCall
  readonly index: number
}

function calls(step: RunStep, parse: (call: RunCall) => SubcommandCall | null): Found[] {
  const out: Found[] = []
  step.calls.forEach((call, index) => {
    const sub = parse(call)
    if (sub) out.push({ call, sub, index })
  })
  return out
}

/** Whether an `rm` at or after call `from` removes `dir`. */
function removedLater(step: RunStep, from: number, dir: string): boolean {
  return step.calls.some((call, i) => i >= from && removedPaths(call.invocation).some((p) => removes(p, dir)))
}

function rangeOf(found: Found) {
  return found.call.source.range(found.sub.invocation.programWord, found.sub.subcommand)
}

function addFlag(found: Found, flag: string): LintFix {
  return { title: `Add ${flag}`, edits: [found.call.source.insertAfter(found.sub.subcommand, flag)] }
}

function probe(step: RunStep, dir: string) {
  return { kind: 'layer-paths' as const, line: step.instruction.line, instruction: step.instruction.original, paths: [dir] }
}

/** The fix that merges this RUN into the next, when the caller found one that can be merged. */
export type MergeFix = (step: RunStep) => LintFix | null

export function aptRules(step: RunStep, mergeWithNext: MergeFix): LintFinding[] {
  const out: LintFinding[] = []
  const apt = calls(step, (c) => aptCall(c.invocation))
  const installs = apt.filter((f) => APT_INSTALLS.has(f.sub.subcommand.value))
  const updates = apt.filter((f) => f.sub.subcommand.value === 'update')
  const listsKept = !mountedOver(step, APT_LISTS)

  for (const install of installs) {
    if (install.sub.subcommand.value !== 'install' || aptSkipsRecommends(install.sub)) continue
    out.push(
      finding('apt-no-recommends', `${install.sub.invocation.program} install without --no-install-recommends also installs recommended packages`, rangeOf(install), {
        fixes: [addFlag(install, '--no-install-recommends')],
      }),
    )
  }

  const lastInstall = installs[installs.length - 1]
  const lastApt = apt[apt.length - 1]
  if (lastInstall && lastApt && listsKept && !removedLater(step, lastApt.index, APT_LISTS)) {
    const append = lastInstall.call.source.append('rm -rf /var/lib/apt/lists/*')
    out.push(
      finding(
        'apt-lists-left',
        `${lastInstall.sub.invocation.program} ${lastInstall.sub.subcommand.value} without rm -rf /var/lib/apt/lists/* in the same RUN: the package lists stay in this layer`,
        rangeOf(lastInstall),
        { fixes: append ? [{ title: 'Append && rm -rf /var/lib/apt/lists/*', edits: [append] }] : [], probe: probe(step, APT_LISTS) },
      ),
    )
  }

  const update = updates[0]
  if (update && installs.length === 0) {
    const merge = mergeWithNext(step)
    const cleaned = !listsKept || removedLater(step, update.index, APT_LISTS)
    out.push(
      finding(
        'apt-update-alone',
        `apt-get update alone in a RUN: its layer is cached apart from the install, which can then read stale lists${cleaned ? '' : ', and the lists stay in this layer'}`,
        rangeOf(update),
        { fixes: merge ? [merge] : [], ...(cleaned ? {} : { probe: probe(step, APT_LISTS) }) },
      ),
    )
  }
  return out
}

export function apkRules(step: RunStep): LintFinding[] {
  const out: LintFinding[] = []
  if (mountedOver(step, APK_CACHE) || mountedOver(step, '/etc/apk/cache')) return out
  for (const add of calls(step, (c) => apkCall(c.invocation))) {
    if (add.sub.subcommand.value !== 'add' || hasOption(add.sub.options, '--no-cache')) continue
    if (removedLater(step, add.index, APK_CACHE)) continue
    out.push(
      finding('apk-no-cache', 'apk add without --no-cache keeps the package index in /var/cache/apk in this layer', rangeOf(add), {
        fixes: [addFlag(add, '--no-cache')],
        probe: probe(step, APK_CACHE),
      }),
    )
  }
  return out
}

export function pipRules(step: RunStep): LintFinding[] {
  const out: LintFinding[] = []
  if (step.env.has('PIP_NO_CACHE_DIR') || mountedOver(step, PIP_CACHE)) return out
  for (const install of calls(step, (c) => pipCall(c.invocation))) {
    if (install.sub.subcommand.value !== 'install') continue
    if (hasOption(install.sub.options, '--no-cache-dir', '--no-cache')) continue
    if (install.sub.invocation.assignments.has('PIP_NO_CACHE_DIR')) continue
    if (removedLater(step, install.index, PIP_CACHE)) continue
    const words = install.sub.invocation
    out.push(
      finding('pip-no-cache-dir', `${words.program} install without --no-cache-dir keeps downloaded packages in ~/.cache/pip in this layer`, rangeOf(install), {
        fixes: [addFlag(install, '--no-cache-dir')],
        probe: probe(step, PIP_CACHE),
      }),
    )
  }
  return out
}
