// One instruction's effect on the image config and history, as BuildKit's dispatchXxx functions
// apply it (dockerfile2llb/convert.go, convert_copy.go, convert_expose.go). Pure: the config
// passed in is not changed; the result shares unchanged parts with it.

import type { Command, ExpandedStep } from '../../dockerfile'
import {
  HISTORY_COMMENT,
  argText,
  copyText,
  healthcheckFields,
  healthcheckText,
  keyValueText,
  runArgs,
  runCommandString,
  withBuildkitMarker,
  withShell,
} from './created-by'
import { goList, goQuotedList } from './go-format'
import { normalizeWorkdir } from './paths'
import type { ApplyContext, ApplyResult, ContainerConfig, Empty, HealthcheckConfig, HistoryEntry, LayerEffect, OciImageConfig } from './types'

/** addEnv: an existing name is replaced where it stands, a new one appended. */
function addEnv(env: readonly string[], key: string, value: string): string[] {
  const entry = `${key}=${value}`
  const at = env.findIndex((item) => (item.includes('=') ? item.slice(0, item.indexOf('=')) : item) === key)
  return at < 0 ? [...env, entry] : env.map((item, i) => (i === at ? entry : item))
}

/** Adds keys to a Go map[string]struct{} (an empty map is left out, as omitempty does). */
function addKeys(set: Readonly<Record<string, Empty>> | undefined, keys: readonly string[]): Record<string, Empty> | undefined {
  const next = { ...set, ...Object.fromEntries(keys.map((k) => [k, {}])) }
  return Object.keys(next).length === 0 ? undefined : next
}

/** A list field as Go's omitempty writes it: an empty list is no list. */
function list(items: readonly string[]): string[] | undefined {
  return items.length === 0 ? undefined : [...items]
}

/** Sets or (for undefined) removes config fields, like the Go struct does with zero values. */
function withFields(config: ContainerConfig, fields: Partial<ContainerConfig>): ContainerConfig {
  const next: ContainerConfig = { ...config, ...fields }
  for (const key of Object.keys(fields) as (keyof ContainerConfig)[]) {
    if (next[key] === undefined) delete next[key]
  }
  return next
}

function healthcheckConfig(fields: ReturnType<typeof healthcheckFields>): HealthcheckConfig {
  const out: HealthcheckConfig = {}
  if (fields.Test.length > 0) out.Test = fields.Test
  if (fields.Interval !== 0) out.Interval = fields.Interval
  if (fields.Timeout !== 0) out.Timeout = fields.Timeout
  if (fields.StartPeriod !== 0) out.StartPeriod = fields.StartPeriod
  if (fields.StartInterval !== 0) out.StartInterval = fields.StartInterval
  if (fields.Retries !== 0) out.Retries = fields.Retries
  return out
}

interface Effect {
  /** Changes to the container config (undefined removes a field). */
  readonly fields?: Partial<ContainerConfig>
  /** A new top-level author (MAINTAINER). */
  readonly author?: string
  /** null: no history entry (ONBUILD). */
  readonly createdBy: string | null
  readonly layer: LayerEffect
}

const meta = (createdBy: string, fields?: Partial<ContainerConfig>): Effect => ({ createdBy, fields, layer: 'none' })

function effectOf(config: OciImageConfig, c: Command, ctx: ApplyContext): Effect {
  const cfg = config.config
  const os = config.os
  switch (c.kind) {
    case 'env': {
      let env = cfg.Env ?? []
      for (const { key, value } of c.pairs) env = addEnv(env, key, value)
      return meta(keyValueText('ENV', c.pairs), { Env: list(env) })
    }
    case 'label': {
      const labels = { ...cfg.Labels, ...Object.fromEntries(c.pairs.map((p) => [p.key, p.value])) }
      return meta(keyValueText('LABEL', c.pairs), { Labels: labels })
    }
    case 'arg':
      return meta(argText(c))
    case 'workdir': {
      const wd = normalizeWorkdir(cfg.WorkingDir ?? '', c.path, os)
      const layer = wd.slashed === '/' ? 'none' : 'required'
      return { createdBy: 'WORKDIR ' + wd.slashed, fields: { WorkingDir: wd.config || undefined }, layer }
    }
    case 'user':
      return meta(`USER ${c.user}`, { User: c.user || undefined })
    case 'expose': {
      // The expanded instruction carries BuildKit's parsePortSpecs list: sorted words, ranges
      // spelled out, duplicates kept. The history shows that list; the config is a set.
      const ports = c.exposedPorts ?? []
      return meta(`EXPOSE ${goList(ports)}`, { ExposedPorts: addKeys(cfg.ExposedPorts, ports) })
    }
    case 'volume':
      return meta(`VOLUME ${goList(c.volumes)}`, { Volumes: addKeys(cfg.Volumes, c.volumes) })
    case 'stopsignal':
      return meta(`STOPSIGNAL ${c.signal}`, { StopSignal: c.signal || undefined })
    case 'shell':
      return meta(`SHELL ${goList(c.shell)}`, { Shell: list(c.shell) })
    case 'cmd': {
      const args = c.command.form === 'shell' ? withShell(cfg.Shell, os, [c.command.command]) : [...c.command.args]
      return meta(`CMD ${goQuotedList(args)}`, { Cmd: list(args), ArgsEscaped: true })
    }
    case 'entrypoint': {
      const args = c.command.form === 'shell' ? withShell(cfg.Shell, os, [c.command.command]) : [...c.command.args]
      // An ENTRYPOINT drops the Cmd it inherited; a CMD written earlier in the stage stays.
      const fields: Partial<ContainerConfig> = ctx.cmdSet ? { Entrypoint: list(args) } : { Entrypoint: list(args), Cmd: undefined }
      return meta(`ENTRYPOINT ${goQuotedList(args)}`, fields)
    }
    case 'healthcheck':
      return meta(healthcheckText(c.health), { Healthcheck: healthcheckConfig(healthcheckFields(c.health)) })
    case 'onbuild':
      return { createdBy: null, fields: { OnBuild: [...(cfg.OnBuild ?? []), c.expression] }, layer: 'none' }
    case 'maintainer':
      return { createdBy: `MAINTAINER ${c.maintainer}`, author: c.maintainer, layer: 'none' }
    case 'run': {
      const args = runArgs(c, cfg.Shell, os)
      const text = withBuildkitMarker('RUN ' + runCommandString(args, ctx.args, ctx.env))
      return { createdBy: text, layer: 'required' }
    }
    case 'copy':
    case 'add':
      return { createdBy: copyText(c), layer: 'required' }
  }
}

/**
 * Applies one expanded instruction (ExpandedStep.expanded) to the config: the new config with
 * its history entry appended, that entry (null for ONBUILD), and whether the step commits a
 * layer. History entries carry no `created`: finalizeConfig stamps them.
 */
export function applyInstruction(config: OciImageConfig, instruction: Command, ctx: ApplyContext): ApplyResult {
  const effect = effectOf(config, instruction, ctx)
  const history: HistoryEntry | null =
    effect.createdBy === null
      ? null
      : {
          created_by: effect.createdBy,
          comment: HISTORY_COMMENT,
          ...(effect.layer === 'none' ? { empty_layer: true } : {}),
        }
  const next: OciImageConfig = {
    ...config,
    ...(effect.author === undefined ? {} : { author: effect.author }),
    config: effect.fields === undefined ? config.config : withFields(config.config, effect.fields),
    history: history === null ? config.history : [...config.history, history],
  }
  if (next.author === '') delete next.author
  return { config: next, history, layer: effect.layer }
}

export interface AppliedStep {
  readonly history: HistoryEntry | null
  readonly layer: LayerEffect
}

/**
 * Applies a stage's expanded steps in order (ONBUILD triggers included, as expandStages lists
 * them), tracking what the context needs across steps: whether a CMD has been set (also by
 * base-image triggers run before, `cmdSetBefore`).
 */
export function applyStage(
  initial: OciImageConfig,
  steps: readonly ExpandedStep[],
  cmdSetBefore = false,
): { config: OciImageConfig; steps: AppliedStep[] } {
  let config = initial
  let cmdSet = cmdSetBefore
  const applied: AppliedStep[] = []
  for (const step of steps) {
    const result = applyInstruction(config, step.expanded, { env: step.env, args: step.args, cmdSet })
    if (step.expanded.kind === 'cmd') cmdSet = true
    config = result.config
    applied.push({ history: result.history, layer: result.layer })
  }
  return { config, steps: applied }
}
