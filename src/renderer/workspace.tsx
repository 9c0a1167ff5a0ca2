import { lazy, Suspense, useState, type ReactNode } from 'react'
import type { ApiClient } from '../shared/contract'
import type { ProjectInfo } from '../shared/project-api'
import { useEngineInfo, type EngineInfoState } from './api/use-engine-info'
import { useHostInfo } from './api/use-host-info'
import type { BuildView } from './build/build-stream'
import { effectiveBackend, loadChoice, saveChoice } from './build/backend-choice'
import { initialForm, toStartArgs, type BuildForm } from './build/build-form'
import { pageStorage } from './build/page-storage'
import { formatStartTime } from './build/format-duration'
import { useBuildHistory } from './build/use-build-history'
import { useBuildRecord } from './build/use-build-record'
import { useBuildStream } from './build/use-build-stream'
import { useForecast } from './build/use-forecast'
import { useProject } from './build/use-project'
import { useBuildShortcuts } from './build/use-shortcuts'
import { BuildControls, buildShortcut } from './components/build-controls'
import { BuildHistory } from './components/build-history'
import { EngineInfoPanel } from './components/engine-info-panel'
import { ErrorState } from './components/error-state'
import { ForecastList } from './components/forecast-list'
import { Frame } from './components/frame'
import { ProjectBar } from './components/project-bar'
import { StepTimeline } from './components/step-timeline'
import { Welcome } from './components/welcome'
import { ImagesPanel } from './images/images-panel'
import { LayersPanel } from './layers/layers-panel'
import { ComparePanel } from './compare/compare-panel'
import { comparableBuilds } from './compare/compare-model'

// The editor and its language service are most of the renderer's weight: load them on first use.
const DockerfileEditor = lazy(async () => ({ default: (await import('./editor/dockerfile-editor')).DockerfileEditor }))

/** Sidebar and main area: the same grid with or without a project, so nothing jumps. */
function Columns({ side, children }: { side: ReactNode; children: ReactNode }) {
  return (
    <div className="grid h-full grid-cols-[20rem_minmax(0,1fr)]">
      <aside className="flex min-h-0 flex-col gap-6 overflow-y-auto border-r border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
        {side}
      </aside>
      <section className="min-h-0 overflow-y-auto p-6" data-testid="main-panel">
        {children}
      </section>
    </div>
  )
}

function EngineStatus({ state }: { state: EngineInfoState }) {
  if (state.status === 'loading') return <p className="text-xs text-zinc-500">Asking the engine…</p>
  if (state.status === 'error') return <ErrorState title="The engine did not answer" message={state.error.message} />
  return <EngineInfoPanel info={state.info} />
}

export function Workspace({ client }: { client: ApiClient }) {
  const engine = useEngineInfo(client)
  const project = useProject(client)
  const live = useBuildStream(client)
  const host = useHostInfo(client)
  const chooseFolder = (): void => {
    client.chooseProjectFolder().then(
      (picked) => {
        if ('dir' in picked) void project.open(picked.dir)
      },
      (error: unknown) => project.fail('a folder', (error as Error).message),
    )
  }
  const info = project.info
  const projectError = project.error && (
    <div className="mb-4 flex items-start gap-3" data-testid="project-error">
      <ErrorState title={`Could not open ${project.error.dir}`} message={project.error.message} />
      {info && (
        <button type="button" className="text-xs text-zinc-500 hover:underline" onClick={project.dismissError}>
          Dismiss
        </button>
      )}
    </div>
  )
  return (
    <Frame
      toolbar={
        <ProjectBar
          dir={info?.dir}
          opening={project.opening}
          recent={project.recent}
          onOpen={(d) => void project.open(d)}
          onChoose={host?.folderDialog ? chooseFolder : undefined}
        />
      }
    >
      {info ? (
        <ProjectView
          key={info.dir}
          client={client}
          engine={engine}
          info={info}
          live={live.byProject[info.dir]}
          banner={projectError}
          onDockerfile={(f) => void project.open(info.dir, f)}
        />
      ) : (
        <Columns side={<EngineStatus state={engine} />}>
          <Welcome
            recent={project.recent}
            onOpen={(d) => void project.open(d)}
            onForget={project.forget}
            problem={projectError}
            onChoose={host?.folderDialog ? chooseFolder : undefined}
          />
        </Columns>
      )}
    </Frame>
  )
}

interface ProjectViewProps {
  client: ApiClient
  engine: EngineInfoState
  info: ProjectInfo
  live: BuildView | undefined
  banner: ReactNode
  onDockerfile: (dockerfile: string) => void
}

function ProjectView({ client, engine, info, live, banner, onDockerfile }: ProjectViewProps) {
  const [form, setForm] = useState<BuildForm>(() => initialForm(info.dockerfile, loadChoice(pageStorage(), info.dir)))
  const docker = engine.status === 'ready' ? engine.info.docker : undefined
  const [described, setDescribed] = useState(info.dockerfile)
  if (info.dockerfile !== described) {
    // The project was described again for another Dockerfile: its stages (targets) changed too.
    setDescribed(info.dockerfile)
    setForm({ ...form, dockerfile: info.dockerfile, target: '' })
  }
  const [starting, setStarting] = useState(false)
  const [startError, setStartError] = useState<string>()
  // A build picked from history, until the next build of this project starts.
  const [picked, setPicked] = useState<{ id: string; liveId: string | undefined }>()
  const [tab, setTab] = useState<ViewTab>('timeline')
  // The step selected in the editor's gutter or the timeline, by its Dockerfile line.
  const [selectedLine, setSelectedLine] = useState<number>()
  const history = useBuildHistory(client, info.dir)
  const running = live?.status === 'running'
  // The editor's text (saved or not): the next build's cache forecast follows it as it is typed.
  const [editorText, setEditorText] = useState<{ dockerfile: string; text: string }>()
  const forecast = useForecast(client, {
    dir: info.dir,
    form,
    backend: effectiveBackend(form.backend, docker),
    text: editorText?.dockerfile === form.dockerfile ? editorText.text : undefined,
    running,
  })

  const pickedId = picked && picked.liveId === live?.buildId ? picked.id : undefined
  const latestStored = history.state.status === 'ready' ? history.state.builds[0]?.id : undefined
  const recordId = pickedId ?? (live ? undefined : latestStored)
  const record = useBuildRecord(client, recordId)

  const build = async (): Promise<void> => {
    if (running || starting) return
    const request = toStartArgs(info.dir, { ...form, backend: effectiveBackend(form.backend, docker) })
    if (!request.ok) {
      setStartError(request.message)
      return
    }
    setStartError(undefined)
    setStarting(true)
    try {
      await client.startBuild(request.args)
      setPicked(undefined)
      // A new build is what the user wants to watch: leave the Images view for its timeline.
      setTab((t) => (t === 'images' ? 'timeline' : t))
    } catch (error) {
      setStartError((error as Error).message)
    } finally {
      setStarting(false)
    }
  }
  const cancel = (): void => {
    if (live && running) void client.cancelBuild({ buildId: live.buildId })
  }
  useBuildShortcuts({ build: () => void build(), cancel })

  const side = (
    <>
      <BuildControls
        info={info}
        form={form}
        onChange={setForm}
        docker={docker}
        onBackend={(backend) => {
          saveChoice(pageStorage(), info.dir, backend)
          setForm({ ...form, backend })
        }}
        onDockerfile={(dockerfile) => {
          setForm({ ...form, dockerfile, target: '' })
          onDockerfile(dockerfile)
        }}
        running={running}
        starting={starting}
        onBuild={() => void build()}
        onCancel={cancel}
        error={startError}
      />
      <BuildHistory state={history.state} selectedId={recordId ?? live?.buildId} onOpen={(id) => setPicked({ id, liveId: live?.buildId })} />
      <div className="mt-auto border-t border-zinc-200 pt-4 dark:border-zinc-800">
        <EngineStatus state={engine} />
      </div>
    </>
  )

  const shown: BuildView | undefined = recordId ? (record.status === 'ready' ? record.view : undefined) : live
  const shownFile = shown && (shown.dockerfile.startsWith(`${info.dir}/`) ? shown.dockerfile.slice(info.dir.length + 1) : shown.dockerfile)
  return (
    <Columns side={side}>
      {banner}
      <div className="mb-6 h-80" data-testid="editor-panel">
        <Suspense fallback={<p className="p-4 text-sm text-zinc-500">Loading the editor…</p>}>
          <DockerfileEditor
            key={info.dockerfile}
            client={client}
            dir={info.dir}
            dockerfile={info.dockerfile}
            build={shown}
            selectedLine={selectedLine}
            onSelectLine={setSelectedLine}
            forecast={forecast}
            onTextChange={(text) => setEditorText({ dockerfile: info.dockerfile, text })}
          />
        </Suspense>
      </div>
      <div className="mb-4 flex h-6 items-center gap-3 text-sm" data-testid="timeline-heading">
        <span className="font-semibold">{recordId ? (pickedId ? 'Earlier build' : 'Last build') : 'Build'}</span>
        {shown && (
          <span className="truncate text-zinc-500">
            {formatStartTime(shown.startedAt)} · {shownFile}
            {shown.target ? ` · target ${shown.target}` : ''}
          </span>
        )}
        {pickedId && live && (
          <button type="button" className="ml-auto text-xs font-medium text-sky-700 hover:underline dark:text-sky-400" onClick={() => setPicked(undefined)}>
            Back to the latest build
          </button>
        )}
      </div>
      {/* The tabs stay put while a build record loads, so opening one from the history moves nothing. */}
      <ViewTabs
        tab={tab}
        onTab={setTab}
        layersReady={shown?.status === 'succeeded' && shown.image !== undefined}
        compareReady={history.state.status === 'ready' && comparableBuilds(history.state.builds).length >= 2}
      />
      {tab === 'images' ? (
        <ImagesPanel client={client} docker={docker} />
      ) : (recordId && record.status === 'loading') || (!live && history.state.status === 'loading') ? (
        <p className="h-24 text-sm text-zinc-500">Reading the build record…</p>
      ) : recordId && record.status === 'error' ? (
        <ErrorState title="Could not open that build" message={record.message} />
      ) : shown ? (
        tab === 'compare' && history.state.status === 'ready' && comparableBuilds(history.state.builds).length >= 2 ? (
          <ComparePanel client={client} builds={history.state.builds} shownId={shown.buildId} />
        ) : tab === 'layers' && shown.status === 'succeeded' && shown.image ? (
          <LayersPanel key={shown.buildId} client={client} selector={{ buildId: shown.buildId }} />
        ) : (
          <div onClick={(e) => setSelectedLine(clickedStepLine(e.target) ?? selectedLine)}>
            {/* The forecast is of the Dockerfile picked above: its badges belong on a build of that file only. */}
            <StepTimeline view={shown} selectedLine={selectedLine} forecast={shownFile === form.dockerfile ? forecast : undefined} />
          </div>
        )
      ) : (
        !recordId &&
        history.state.status !== 'loading' && (
          <>
            <div
              className="flex h-40 flex-col items-center justify-center gap-1 rounded-lg border border-dashed border-zinc-300 text-sm text-zinc-500 dark:border-zinc-700"
              data-testid="timeline-empty"
            >
              <p className="font-medium text-zinc-700 dark:text-zinc-300">No build of this project yet</p>
              <p>
                Press Build ({buildShortcut}) to build {form.dockerfile}; every step shows up here as it runs.
              </p>
            </div>
            {forecast && !forecast.error && (
              <div className="mt-4">
                <ForecastList forecast={forecast} />
              </div>
            )}
          </>
        )
      )}
    </Columns>
  )
}

/** The Dockerfile line of the timeline row a click landed in. */
function clickedStepLine(target: EventTarget): number | undefined {
  if (!(target instanceof Element)) return undefined
  const line = Number(target.closest('[data-testid="step-row"]')?.querySelector('[data-testid="step-line"]')?.textContent)
  return Number.isInteger(line) && line > 0 ? line : undefined
}

type ViewTab = 'timeline' | 'layers' | 'compare' | 'images'

/** Timeline or Layers for the build shown (Layers once it has made its image), or Compare two builds. */
function ViewTabs({ tab, onTab, layersReady, compareReady }: { tab: ViewTab; onTab: (tab: ViewTab) => void; layersReady: boolean; compareReady: boolean }) {
  const shown: ViewTab = tab === 'images' ? 'images' : tab === 'layers' && layersReady ? 'layers' : tab === 'compare' && compareReady ? 'compare' : 'timeline'
  const enabled: Record<ViewTab, boolean> = { timeline: true, layers: layersReady, compare: compareReady, images: true }
  const order = (Object.keys(enabled) as ViewTab[]).filter((id) => enabled[id])
  // Arrow keys move between the tabs that can open, as in any tab list (WAI-ARIA tabs pattern).
  const onKeyDown = (event: React.KeyboardEvent<HTMLDivElement>): void => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0
    if (step === 0) return
    event.preventDefault()
    const next = order[(order.indexOf(shown) + step + order.length) % order.length] ?? 'timeline'
    onTab(next)
    event.currentTarget.querySelector<HTMLButtonElement>(`[data-testid="tab-${next}"]`)?.focus()
  }
  const item = (id: ViewTab, label: string, enabled: boolean) => {
    const active = id === shown
    return (
      <button
        type="button"
        role="tab"
        aria-selected={active}
        tabIndex={active ? 0 : -1}
        disabled={!enabled}
        data-testid={`tab-${id}`}
        title={enabled ? undefined : id === 'compare' ? 'Compare needs two successful builds' : 'Layers show once the build has succeeded'}
        className={`-mb-px h-8 border-b-2 px-3 text-sm font-medium disabled:cursor-not-allowed disabled:text-zinc-300 dark:disabled:text-zinc-600 ${
          active ? 'border-sky-600 text-zinc-900 dark:text-zinc-100' : 'border-transparent text-zinc-500 hover:text-zinc-800 dark:hover:text-zinc-200'
        }`}
        onClick={() => onTab(id)}
      >
        {label}
      </button>
    )
  }
  return (
    <div role="tablist" aria-label="Build views" onKeyDown={onKeyDown} className="mb-3 flex gap-1 border-b border-zinc-200 dark:border-zinc-800">
      {item('timeline', 'Timeline', true)}
      {item('layers', 'Layers', layersReady)}
      {item('compare', 'Compare', compareReady)}
      {item('images', 'Images', true)}
    </div>
  )
}
