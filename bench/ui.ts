// Workload 6: the UI in Chromium through `layerlab serve`.
//  - Event latency: the engine stamps each step-started event with `time` (ms since the epoch,
//    Date.now() in the serve process). A MutationObserver in the page notices the step's row
//    leave 'pending', then waits for the next frame (requestAnimationFrame, then a task, which
//    runs after that frame's paint); the latency is that moment minus the event's `time`.
//    Browser and serve process read the same system clock.
//  - File tree: a RUN writes 100 directories of 1,000 files (100,100 entries in the layer);
//    from the click on that layer's row to the first file rows being in the DOM and painted.
import { spawn, type ChildProcess } from 'node:child_process'
import { cp, mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { chromium } from '@playwright/test'
import type { Ctx, Row } from './cases'
import { createEngineApi } from '../src/engine'
import { log, type Sample } from './measure'
import { profileInProcess, type NamedProfile } from './profile'

const CHROMIUM = process.env.LAYERLAB_CHROMIUM ?? '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']

/** Steps whose start events are timed, then the step writing the big tree. */
export function uiDockerfile(eventSteps: number, dirs: number, filesPerDir: number): string {
  const lines = ['FROM busybox:latest']
  for (let i = 0; i < eventSteps; i++) lines.push(`RUN echo step ${i} > /step${i} && sleep 0.3`)
  lines.push(`RUN mkdir /tree && cd /tree && for d in $(seq 1 ${dirs}); do mkdir d$d && (cd d$d && seq 1 ${filesPerDir} | xargs touch); done`)
  return lines.join('\n') + '\n'
}

/** Installed before the app loads: records step-started events and when each row shows them. */
function pageProbe(): void {
  type Probe = {
    events: Record<string, number>
    /** When each step-started message reached the page (epoch ms). */
    arrived: Record<string, number>
    painted: Record<string, number>
    /** Per request method: when the last one was sent, its reply arrived, and the reply's size. */
    calls: Record<string, { sent: number; replied?: number; bytes?: number; id: number }>
  }
  const probe: Probe = { events: {}, arrived: {}, painted: {}, calls: {} }
  ;(window as unknown as { __bench: Probe }).__bench = probe
  const Native = window.WebSocket
  window.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      this.addEventListener('message', (m: MessageEvent) => {
        try {
          const text = String(m.data)
          const data = JSON.parse(text) as { type?: string; id?: number; payload?: { type?: string; stepId?: string; time?: number } }
          for (const call of Object.values(probe.calls)) {
            if (data.type === 'reply' && data.id === call.id) Object.assign(call, { replied: performance.now(), bytes: text.length })
          }
          const e = data.payload
          if (data.type === 'event' && e?.type === 'step-started' && e.stepId && e.time) {
            probe.events[e.stepId] = e.time
            probe.arrived[e.stepId] = performance.timeOrigin + performance.now()
          }
        } catch {
          // not ours to judge
        }
      })
    }
  }
  const send = Native.prototype.send
  Native.prototype.send = function (this: WebSocket, data: Parameters<WebSocket['send']>[0]) {
    try {
      const msg = JSON.parse(String(data)) as { type?: string; id?: number; method?: string }
      if (msg.type === 'request' && msg.method && msg.id !== undefined) probe.calls[msg.method] = { sent: performance.now(), id: msg.id }
    } catch {
      // not ours to judge
    }
    return send.call(this, data)
  }
  const afterPaint = (record: (t: number) => void): void => {
    requestAnimationFrame(() => setTimeout(() => record(performance.timeOrigin + performance.now()), 0))
  }
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      const el = m.target as HTMLElement
      const id = el.dataset?.stepId
      if (m.attributeName !== 'data-status' || !id || el.dataset.status === 'pending') continue
      if (probe.events[id] === undefined || probe.painted[id] !== undefined) continue
      probe.painted[id] = -1
      afterPaint((t) => (probe.painted[id] = t))
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-status'] })
}

async function startServe(c: Ctx, store: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(c.repo, 'bin/layerlab.js'), 'serve', '--port', '0'], {
    env: { ...process.env, ...c.dockerEnv, LAYERLAB_STORE: store },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`layerlab serve printed no address:\n${out}`)), 30_000)
    const onData = (b: Buffer): void => {
      out += b.toString()
      const m = /serving at (http:\/\/\S+)/.exec(out)
      if (m?.[1]) {
        clearTimeout(timer)
        resolve(m[1])
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => reject(new Error(`layerlab serve exited with ${code}:\n${out}`)))
  })
  return { url, child }
}

export interface TreeTiming {
  ms: number
  /** Click → the layerFileTable reply arrived (the engine reading and diffing, and the transfer). */
  engineMs: number
  /** Reply size in characters. */
  bytes: number
  /** Reply → first rows painted (parsing, building the tree, rendering). */
  renderMs: number
}

export interface EventTiming {
  /** The event's `time` → its WebSocket message reached the page. */
  deliveryMs: number
  /** Arrival → the frame showing it was painted (batching, React, layout, paint). */
  paintMs: number
}

export interface UiResult {
  event: Row
  tree: Row
  treeParts: TreeTiming[]
  /** The same layer opened a second time (engine's table cached). */
  reopenParts: TreeTiming[]
  eventParts: EventTiming[]
  treeProfile?: NamedProfile
  treeEntries: number
  eventSteps: number
}

export async function uiWorkload(c: Ctx, seed: string, runs: number, opts = { eventSteps: 8, dirs: 100, filesPerDir: 1000 }): Promise<UiResult> {
  const root = path.join(c.scratch, 'ui')
  await rm(root, { recursive: true, force: true })
  const project = path.join(root, 'project')
  const store = path.join(root, 'store')
  await mkdir(project, { recursive: true })
  await cp(seed, store, { recursive: true })
  await writeFile(path.join(project, 'Dockerfile'), uiDockerfile(opts.eventSteps, opts.dirs, opts.filesPerDir))
  const treeEntries = 1 + opts.dirs * (opts.filesPerDir + 1)
  const serve = await startServe(c, store)
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
  const latencies: Sample[] = []
  const tree: Sample[] = []
  const treeParts: TreeTiming[] = []
  const reopenParts: TreeTiming[] = []
  const eventParts: EventTiming[] = []
  let treeProfile: NamedProfile | undefined
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    // tsx (esbuild keepNames) wraps functions in __name(), which page-side code must find.
    await page.addInitScript('globalThis.__name = (f) => f')
    await page.addInitScript(pageProbe)
    await page.goto(serve.url)
    await page.getByTestId('project-path').fill(project)
    await page.getByTestId('project-path').press('Enter')
    await page.getByTestId('build-controls').waitFor()
    for (let i = 0; i < runs; i++) {
      await page.evaluate(() => {
        const p = (window as unknown as { __bench: { events: object; arrived: object; painted: object } }).__bench
        p.events = {}
        p.arrived = {}
        p.painted = {}
      })
      // --no-cache equivalent for the UI: a fresh Dockerfile text each run (a build arg would
      // not reach every step's key); the timed steps are the RUNs that really execute.
      await writeFile(path.join(project, 'Dockerfile'), uiDockerfile(opts.eventSteps, opts.dirs, opts.filesPerDir).replace('FROM busybox:latest', `FROM busybox:latest\nENV RUN_NO=${i}`))
      log(`w6 run ${i + 1}: building ${opts.eventSteps} timed steps and a ${treeEntries.toLocaleString('en')}-entry layer through the UI`)
      const previous = i === 0 ? null : await page.getByTestId('timeline').getAttribute('data-build-id')
      await page.getByTestId('build-button').click()
      // The last run's summary still says "succeeded" until this build's timeline replaces it.
      if (previous !== null) {
        await page.waitForFunction((id) => document.querySelector('[data-testid="timeline"]')?.getAttribute('data-build-id') !== id, previous, { timeout: 60_000 })
      }
      await page.getByTestId('build-summary').and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: 600_000 })
      type Seen = Record<string, number>
      const { events, arrived, painted } = await page.evaluate(() => (window as unknown as { __bench: { events: Seen; arrived: Seen; painted: Seen } }).__bench)
      for (const [id, t] of Object.entries(events)) {
        const p = painted[id]
        const a = arrived[id]
        if (p === undefined || p <= 0) continue
        latencies.push({ ms: p - t })
        if (a !== undefined) eventParts.push({ deliveryMs: a - t, paintMs: p - a })
      }
      // The file tree: select the big layer (the last) and time until its first rows are painted.
      await page.getByTestId('tab-layers').click()
      const rows = page.getByTestId('layer-row')
      await rows.last().waitFor()
      const last = (await rows.count()) - 1
      const measured = await page.evaluate(openLayerInPage, last)
      const ms = measured.ms
      tree.push({ ms })
      treeParts.push(measured)
      log(`w6 run ${i + 1}: event→paint median ${median(latencies.slice(-opts.eventSteps).map((s) => s.ms)).toFixed(1)} ms; tree first rows ${ms.toFixed(0)} ms (request → reply ${measured.engineMs.toFixed(0)} ms, ${(measured.bytes / 1e6).toFixed(1)} MB; reply → painted ${measured.renderMs.toFixed(0)} ms)`)
      // The same layer opened again (new panel, the engine's table cached): what every open after the first costs.
      await page.getByTestId('tab-timeline').click()
      await page.getByTestId('tab-layers').click()
      await rows.last().waitFor()
      const reopened = await page.evaluate(openLayerInPage, last)
      reopenParts.push(reopened)
      log(`w6 run ${i + 1}: tree opened again ${reopened.ms.toFixed(0)} ms (request → reply ${reopened.engineMs.toFixed(0)} ms, ${(reopened.bytes / 1e6).toFixed(1)} MB; reply → painted ${reopened.renderMs.toFixed(0)} ms)`)
      await page.getByTestId('tab-timeline').click().catch(() => undefined)
    }
    // The engine's half of the tree's first paint, profiled in this process on a fresh engine
    // (no diff cached), for the report's "where the time goes".
    const buildId = await page.getByTestId('timeline').getAttribute('data-build-id')
    if (buildId) {
      const api = createEngineApi({ storeDir: store, env: { ...process.env, ...c.dockerEnv } })
      try {
        const layers = await api.handlers.imageLayers({ buildId })
        const last = layers.layers.length - 1
        treeProfile = await profileInProcess(`workload 6, the engine answering layerFileTable for the ${treeEntries.toLocaleString('en')}-entry layer (in-process)`, () =>
          api.handlers.layerFileTable({ buildId, layer: last }),
        )
      } finally {
        api.close()
      }
    }
  } finally {
    await browser.close()
    serve.child.kill('SIGTERM')
    await rm(root, { recursive: true, force: true })
  }
  return {
    event: { workload: '6. UI: build event → painted (Chromium)', layerlab: latencies, buildkit: [], kind: 'absolute', target: 50, baseline: '—' },
    tree: { workload: `6. UI: ${(treeEntries / 1000).toFixed(0)}k-entry layer tree, first paint`, layerlab: tree, buildkit: [], kind: 'absolute', target: 200, baseline: '—' },
    treeEntries,
    treeParts,
    reopenParts,
    eventParts,
    treeProfile,
    eventSteps: opts.eventSteps,
  }
}

/** In the page: click layer row `index`, wait until its first file rows are painted. */
async function openLayerInPage(index: number): Promise<TreeTiming> {
  const row = document.querySelectorAll<HTMLElement>('[data-testid="layer-row"]')[index]
  if (!row) throw new Error('no layer row')
  if (document.querySelector('[data-testid="layer-files"]')) throw new Error('a layer is already selected')
  const start = performance.now()
  row.click()
  await new Promise<void>((resolve) => {
    const check = (): void => {
      const files = document.querySelector('[data-testid="layer-files"] [data-testid="file-row"]')
      if (files) requestAnimationFrame(() => setTimeout(resolve, 0))
      else requestAnimationFrame(check)
    }
    check()
  })
  const call = (window as unknown as { __bench: { calls: Record<string, { sent: number; replied?: number; bytes?: number }> } }).__bench.calls.layerFileTable
  const end = performance.now()
  return { ms: end - start, engineMs: call?.replied !== undefined ? call.replied - start : NaN, bytes: call?.bytes ?? NaN, renderMs: call?.replied !== undefined ? end - call.replied : NaN }
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b)
  return s.length ? s[s.length >> 1]! : NaN
}
