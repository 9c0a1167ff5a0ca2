import type { ApiHandlers } from '../shared/contract'
import { ApiError } from '../shared/errors'
import type { BuildForecast } from '../shared/forecast-api'
import { resolveProjectDir, resolveProjectFile } from './api-paths'
import { forecastBuild } from './build/forecast-build'
import type { Store } from './store'

type ForecastHandlers = Pick<ApiHandlers, 'forecastBuild'>

/**
 * The editor's cache forecast. Forecasts of one project run one after another: the editor asks
 * again on every pause in typing, and two walks of the same context at once would only compete
 * for the disk (each still reads the cache as it stands when it gets there). A forecast still
 * waiting when a newer one of the same project arrives is answered `cancelled` without running:
 * its text is already out of date.
 */
export function createForecastApi(options: { store: () => Promise<Store> }): { handlers: ForecastHandlers } {
  const queues = new Map<string, Promise<unknown>>()
  const newest = new Map<string, number>()
  let asked = 0
  return {
    handlers: {
      forecastBuild(args) {
        // Everything before the first await: the queue keeps the order the requests came in.
        const key = args.dir
        const mine = ++asked
        newest.set(key, mine)
        const ahead = queues.get(key)
        const forecastNow = async (): Promise<BuildForecast> => {
          if (ahead && newest.get(key) !== mine) {
            throw new ApiError({ code: 'cancelled', message: 'a newer forecast of this project replaced this one' })
          }
          const dir = await resolveProjectDir(args.dir)
          // The same absolute path a build of this project uses: it names the steps' cache records.
          const dockerfile = (await resolveProjectFile(dir, args.dockerfile ?? 'Dockerfile')).absolute
          return forecastBuild(await options.store(), {
            contextDir: dir,
            dockerfile,
            ...(args.text !== undefined ? { dockerfileText: args.text } : {}),
            ...(args.buildArgs ? { buildArgs: { ...args.buildArgs } } : {}),
            ...(args.target ? { target: args.target } : {}),
            ...(args.noCache ? { noCache: true } : {}),
          })
        }
        const next = (ahead ?? Promise.resolve()).then(forecastNow, forecastNow)
        queues.set(key, next)
        return next.finally(() => {
          if (queues.get(key) === next) {
            queues.delete(key)
            newest.delete(key)
          }
        })
      },
    },
  }
}
