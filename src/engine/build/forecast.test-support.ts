// Forecast, then build, then judge: the helpers the forecast tests share. A forecast is right
// when the build that follows it caches and rebuilds the same steps for the same reasons.
import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { expect } from 'vitest'
import type { StepFinishedEvent } from '../../shared/build-events'
import { describeForecast, type BuildForecast } from '../../shared/forecast-api'
import { judgeForecast } from '../cache'
import type { Store } from '../store'
import { EmbeddedBackend } from './embedded-backend'
import { forecastBuild, type ForecastRequest } from './forecast-build'

/** Every step of a forecast as `instruction | what it forecasts` (FROM and metadata included). */
export function forecastLines(forecast: BuildForecast): string[] {
  return forecast.stages.flatMap((s) => s.steps.map((step) => `${step.instruction} | ${describeForecast(step)}`))
}

/** The keyed steps only (RUN, COPY, ADD, WORKDIR): what a cache scenario is about. */
export function keyedForecastLines(forecast: BuildForecast): string[] {
  return forecast.stages.flatMap((s) =>
    s.steps.filter((step) => ['run', 'copy', 'add', 'workdir'].includes(step.kind)).map((step) => `${step.instruction} | ${describeForecast(step)}`),
  )
}

/** File names, sizes and mtimes under the store's cache index and build records. */
export async function storeRecords(store: Store): Promise<string[]> {
  const out: string[] = []
  for (const dir of [store.paths.cache, store.paths.cacheSteps, store.paths.builds, store.paths.blobs]) {
    const walk = async (d: string): Promise<void> => {
      let names: string[]
      try {
        names = await readdir(d)
      } catch {
        return
      }
      for (const name of names.sort()) {
        const p = path.join(d, name)
        const s = await stat(p)
        if (s.isDirectory()) await walk(p)
        else out.push(`${path.relative(store.dir, p)} ${s.size} ${s.mtimeMs}`)
      }
    }
    await walk(dir)
  }
  return out
}

export async function build(store: Store, request: ForecastRequest & { tags?: string[] }): Promise<StepFinishedEvent[]> {
  const finished: StepFinishedEvent[] = []
  await new EmbeddedBackend({ store }).build(
    {
      contextDir: request.contextDir,
      ...(request.dockerfile ? { dockerfile: request.dockerfile } : {}),
      ...(request.buildArgs ? { buildArgs: request.buildArgs } : {}),
      ...(request.target ? { target: request.target } : {}),
      ...(request.noCache ? { noCache: true } : {}),
      tags: request.tags ?? ['forecast-test:latest'],
    },
    (e) => {
      if (e.type === 'step-finished') finished.push(e)
    },
  )
  return finished
}

/**
 * Forecasts `request`, checks the forecast wrote nothing into the cache index, the build records
 * or the blobs, builds the same request, and checks the build did what the forecast said.
 */
export async function forecastThenBuild(store: Store, request: ForecastRequest): Promise<{ forecast: BuildForecast; finished: StepFinishedEvent[] }> {
  const before = await storeRecords(store)
  const forecast = await forecastBuild(store, request)
  expect(forecast.error).toBeUndefined()
  expect(await storeRecords(store)).toEqual(before)
  const finished = await build(store, request)
  expect(judgeForecast(forecast, finished)).toEqual([])
  return { forecast, finished }
}
