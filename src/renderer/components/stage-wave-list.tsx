import { useLayoutEffect, useMemo, useRef } from 'react'
import type { StepForecast } from '../../shared/forecast-api'
import type { BuildView, StageView } from '../build/build-stream'
import { stageWaves } from '../build/stage-waves'
import { StepRow, rowGrid, wideOnlyCell } from './step-row'

interface StageGroupProps {
  stage: StageView
  view: BuildView
  longestMs: number
  now: number
  selectedLine: number | undefined
  forecasts: Map<string, StepForecast>
  wave: number
  column: number
}

function StageGroup({ stage, view, longestMs, now, selectedLine, forecasts, wave, column }: StageGroupProps) {
  return (
    <section
      className="overflow-hidden rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900"
      data-testid="stage"
      data-stage-index={stage.index}
      data-wave={wave}
      data-column={column}
      aria-label={`stage ${stage.name ?? stage.index}`}
    >
      <header className="flex h-8 items-center gap-2 border-b border-zinc-200 bg-zinc-50 px-3 text-xs dark:border-zinc-800 dark:bg-zinc-900/60">
        <span className="shrink-0 font-semibold text-zinc-700 dark:text-zinc-200">Stage {stage.index}</span>
        {stage.name && <span className="truncate rounded bg-zinc-200 px-1.5 font-mono dark:bg-zinc-800">{stage.name}</span>}
        {stage.base && <span className="truncate text-zinc-500">from {stage.base}</span>}
      </header>
      <ol>
        {stage.stepIds.map((id) => {
          const step = view.steps[id]
          if (!step) return null
          return (
            <StepRow
              key={id}
              step={step}
              longestMs={longestMs}
              now={step.state === 'running' ? now : 0}
              selected={selectedLine !== undefined && step.line === selectedLine}
              forecast={forecasts.get(id)}
            />
          )
        })}
      </ol>
    </section>
  )
}

/** Names the row cells; inside a stage column, so it drops the same cells the rows drop. */
function ColumnHeads() {
  const wide = wideOnlyCell
  return (
    <div className={`${rowGrid} h-6 px-3 text-[11px] font-medium uppercase tracking-wide text-zinc-500 dark:text-zinc-400`} aria-hidden="true">
      <span />
      <span className="text-right">line</span>
      <span>instruction</span>
      <span className="text-center">status</span>
      <span className={wide}>duration</span>
      <span className="text-right">time</span>
      <span className={`text-right ${wide}`}>layer</span>
    </div>
  )
}

/**
 * Side by side only where every column keeps its essential cells (about 24rem each); narrower,
 * the wave's stages stack as if they had run one after another. Literal classes, for Tailwind.
 */
const sideBySide: Record<number, string> = {
  2: '@3xl:grid-cols-2',
  3: '@5xl:grid-cols-3',
}
const manyColumns = '@6xl:grid-cols-4'

/**
 * While a build streams, the list never gets shorter: a stage moving up beside another would
 * otherwise pull the page (and the row being read) up under the reader.
 */
function useNoShrink(active: boolean, buildId: string) {
  const content = useRef<HTMLDivElement>(null)
  useLayoutEffect(() => {
    const box = content.current
    if (!active || !box) return
    // Its own min-height counts in what it measures, so it only ever grows.
    const observer = new ResizeObserver(() => {
      box.style.minHeight = `${box.offsetHeight}px`
    })
    observer.observe(box)
    return () => {
      observer.disconnect()
      box.style.minHeight = ''
    }
  }, [active, buildId])
  return content
}

function firstStage(stages: readonly StageView[]): number {
  return Math.min(...stages.map((s) => s.index))
}

interface StageWaveListProps {
  view: BuildView
  longestMs: number
  now: number
  selectedLine: number | undefined
  forecasts: Map<string, StepForecast>
}

/** The stages in waves: the stages of a wave ran at the same time and stand side by side. */
export function StageWaveList({ view, longestMs, now, selectedLine, forecasts }: StageWaveListProps) {
  const running = view.status === 'running'
  // The clock only matters while something runs; a finished build's waves depend on its steps alone.
  const waveClock = running ? now : 0
  const waves = useMemo(() => stageWaves(view.stages, view.steps, { running, now: waveClock }), [view.stages, view.steps, running, waveClock])
  const content = useNoShrink(running, view.buildId)
  const group = (stage: StageView, wave: number, column: number) => (
    <StageGroup
      key={stage.index}
      stage={stage}
      view={view}
      longestMs={longestMs}
      now={now}
      selectedLine={selectedLine}
      forecasts={forecasts}
      wave={wave}
      column={column}
    />
  )
  return (
    <div className="@container">
      <div ref={content} className="flex flex-col gap-4" data-testid="stage-waves">
        {waves.map((wave, w) => {
          const count = wave.columns.length
          const sideways = count > 1
          // Heads over each column of a wave, and over the first of stacked stages.
          const heads = sideways || w === 0 || (waves[w - 1]?.columns.length ?? 1) > 1
          // Keys by stage, and one shape for every wave: a stage joining a running one leaves
          // the running stage's rows mounted (an open log stays open).
          return (
            <div
              key={`wave-${firstStage(wave.columns.flat())}`}
              className={`grid grid-cols-1 items-start gap-3 ${sideways ? (sideBySide[count] ?? manyColumns) : ''}`}
              data-testid="stage-wave"
              data-wave={w}
              data-columns={count}
            >
              {wave.columns.map((stages, c) => (
                <div
                  key={`column-${firstStage(stages)}`}
                  className="@container flex min-w-0 flex-col gap-1"
                  data-testid="stage-column"
                  data-column={c}
                >
                  {heads && <ColumnHeads />}
                  <div className="flex flex-col gap-3">{stages.map((stage) => group(stage, w, c))}</div>
                </div>
              ))}
            </div>
          )
        })}
      </div>
    </div>
  )
}
