import { useEffect, useMemo, useState } from 'react'
import type { ApiClient } from '../../shared/contract'
import type { BuildForecast, ForecastBuildArgs } from '../../shared/forecast-api'
import { toStartArgs, type BuildForm } from './build-form'

/** Pause in typing before the forecast is asked for again. */
export const forecastDebounceMs = 400
/**
 * How often the forecast is asked for again while the window is visible, for edits to context
 * files made outside Layerlab. The engine does not watch the context (a watch over tens of
 * thousands of files costs inotify watches and wakes on every build output); a warm forecast is
 * a walk with the stat cache, well under a second, so asking every few seconds is cheaper and
 * always exact. The window's focus asks at once.
 */
export const forecastPollMs = 4000
/**
 * The poll also waits this many times the last forecast's duration, so a big context (where a
 * warm walk takes longer) keeps the engine's process idle most of the time.
 */
export const forecastPollIdleFactor = 20

/** When to ask again after a forecast that took `tookMs`. */
export function nextPollMs(tookMs: number): number {
  return Math.max(forecastPollMs, Math.round(tookMs * forecastPollIdleFactor))
}

export interface ForecastOptions {
  dir: string
  form: BuildForm
  /** The backend that would build (the form's choice, if available). */
  backend: BuildForm['backend']
  /** The editor's text; undefined until the editor has loaded the file. */
  text: string | undefined
  /** A build is running: it changes the cache, so wait for it (and ask again when it ends). */
  running: boolean
}

/** The request for the form and text, or undefined when there is nothing to forecast. */
export function forecastArgs(dir: string, form: BuildForm, backend: BuildForm['backend'], text: string | undefined): ForecastBuildArgs | undefined {
  // The forecast is of Layerlab's own cache: a build handed to Docker has its own.
  if (backend === 'docker' || text === undefined) return undefined
  const start = toStartArgs(dir, form)
  if (!start.ok) return undefined
  const { buildArgs, target, noCache, dockerfile } = start.args
  return { dir, text, ...(dockerfile ? { dockerfile } : {}), ...(buildArgs ? { buildArgs } : {}), ...(target ? { target } : {}), ...(noCache ? { noCache } : {}) }
}

/**
 * The cache forecast of the next build, following the editor (debounced), the build controls,
 * finished builds, and (by polling while visible) edits to the context's files. Answers that
 * arrive after a newer question are dropped.
 */
export function useForecast(client: ApiClient, options: ForecastOptions): BuildForecast | undefined {
  const { dir, form, backend, text, running } = options
  const args = useMemo(() => forecastArgs(dir, form, backend, text), [dir, form, backend, text])
  // The effect follows the request's content, not the identity of the objects it came from.
  const key = args ? JSON.stringify(args) : undefined
  const [answer, setAnswer] = useState<{ dockerfile: string | undefined; forecast: BuildForecast }>()

  useEffect(() => {
    if (!key || running) return
    const args = JSON.parse(key) as ForecastBuildArgs
    // Answers to an earlier effect (older text or settings) are dropped; one question at a time.
    let live = true
    let inFlight = false
    let poll: ReturnType<typeof setTimeout> | undefined
    const schedule = (tookMs: number): void => {
      clearTimeout(poll)
      if (live) poll = setTimeout(() => (document.visibilityState === 'visible' ? ask() : schedule(0)), nextPollMs(tookMs))
    }
    const ask = (): void => {
      if (inFlight) return
      inFlight = true
      const asked = performance.now()
      const done = (): void => {
        inFlight = false
        schedule(performance.now() - asked)
      }
      client.forecastBuild(args).then(
        (forecast) => {
          done()
          if (live) setAnswer({ dockerfile: args.dockerfile, forecast })
        },
        // The project or file went away, or the engine is busy: the next question will tell.
        done,
      )
    }
    const debounce = setTimeout(ask, forecastDebounceMs)
    window.addEventListener('focus', ask)
    return () => {
      live = false
      clearTimeout(debounce)
      clearTimeout(poll)
      window.removeEventListener('focus', ask)
    }
  }, [client, key, running])

  // While the answer for newer text is computed the last one stays (the gutter moves its marks
  // with the edits), but never one for another Dockerfile, and none while a build runs.
  if (!answer || running || !args || answer.dockerfile !== args.dockerfile) return undefined
  return answer.forecast
}
