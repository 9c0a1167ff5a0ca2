import { basicSetup } from 'codemirror'
import { EditorState } from '@codemirror/state'
import { EditorView, keymap } from '@codemirror/view'
import { useEffect, useRef, useState } from 'react'
import type { ApiClient } from '../../shared/contract'
import type { BuildForecast } from '../../shared/forecast-api'
import type { BuildView } from '../build/build-stream'
import { forecastMarks } from '../build/forecast-view'
import { appTheme } from './editor-theme'
import { cursorSelectsStep, dockerfileSupport, dockerfileLinter, setSelectedLine, setStepMarks, stepGutter } from './extensions'
import { forecastGutter, setForecastMarks } from './forecast-gutter'
import { refreshLint } from './lint-diagnostics'
import { stepMarks } from './positions'

/** How long after the last keystroke an edit is written to disk. */
const saveDelayMs = 500

type SaveState = 'saved' | 'unsaved' | 'saving' | 'error'

export interface DockerfileEditorProps {
  client: ApiClient
  dir: string
  /** Relative to `dir`. */
  dockerfile: string
  /** The build whose step statuses the gutter shows (only when it built this Dockerfile). */
  build?: BuildView | undefined
  selectedLine?: number | undefined
  onSelectLine?: (line: number) => void
  /** The next build's cache forecast: a mark on each line it will rebuild, the reason on hover. */
  forecast?: BuildForecast | undefined
  /** The text as it is edited (saved or not), for the forecast to follow. */
  onTextChange?: (text: string) => void
}

function builtThis(build: BuildView, dir: string, dockerfile: string): boolean {
  return build.dockerfile === dockerfile || build.dockerfile === `${dir}/${dockerfile}`
}

/**
 * The project's Dockerfile in CodeMirror: highlighting, completion, hover docs and diagnostics
 * (the language service's and the engine's), the last build's status per instruction in the
 * gutter, and every edit saved to disk.
 */
export function DockerfileEditor({ client, dir, dockerfile, build, selectedLine, onSelectLine, forecast, onTextChange }: DockerfileEditorProps) {
  const host = useRef<HTMLDivElement>(null)
  const viewRef = useRef<EditorView | null>(null)
  const onSelectRef = useRef(onSelectLine)
  const onTextRef = useRef(onTextChange)
  /** A quick fix that writes a file and failed: said in the header until the next try. */
  const [fixError, setFixError] = useState<string>()
  const [load, setLoad] = useState<{ status: 'loading' } | { status: 'ready' } | { status: 'error'; message: string }>({ status: 'loading' })
  const [save, setSave] = useState<{ state: SaveState; message?: string }>({ state: 'saved' })

  useEffect(() => {
    onSelectRef.current = onSelectLine
  }, [onSelectLine])
  useEffect(() => {
    onTextRef.current = onTextChange
  }, [onTextChange])

  useEffect(() => {
    let stale = false
    let view: EditorView | undefined
    let timer: ReturnType<typeof setTimeout> | undefined
    let dirty = false
    const saveNow = (): void => {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      if (!view || !dirty) return
      dirty = false
      const text = view.state.doc.toString()
      if (!stale) setSave({ state: 'saving' })
      client.saveDockerfile({ dir, dockerfile, text }).then(
        () => {
          if (!stale && !dirty) setSave({ state: 'saved' })
        },
        (error: unknown) => {
          dirty = true
          if (!stale) setSave({ state: 'error', message: (error as Error).message })
        },
      )
    }
    client.readDockerfile({ dir, dockerfile }).then(
      ({ text }) => {
        if (stale || !host.current) return
        view = new EditorView({
          parent: host.current,
          state: EditorState.create({
            doc: text,
            extensions: [
              keymap.of([
                {
                  key: 'Mod-s',
                  preventDefault: true,
                  run: () => {
                    saveNow()
                    return true
                  },
                },
              ]),
              basicSetup,
              dockerfileSupport,
              dockerfileLinter(async (t) => (await client.checkDockerfile({ text: t, dir, dockerfile })).diagnostics, {
                createFile: async (file) => {
                  setFixError(undefined)
                  try {
                    await client.createDockerignore({ dir, text: file.text })
                  } catch (error) {
                    if (!stale) setFixError(`Could not create ${file.path}: ${(error as Error).message}`)
                    throw error
                  }
                },
              }),
              stepGutter((line) => onSelectRef.current?.(line)),
              forecastGutter(),
              cursorSelectsStep((line) => onSelectRef.current?.(line)),
              appTheme(),
              EditorView.contentAttributes.of({ 'aria-label': `${dockerfile} editor`, 'data-testid': 'editor-content' }),
              EditorView.updateListener.of((update) => {
                if (!update.docChanged) return
                onTextRef.current?.(update.state.doc.toString())
                dirty = true
                setSave({ state: 'unsaved' })
                if (timer !== undefined) clearTimeout(timer)
                timer = setTimeout(saveNow, saveDelayMs)
              }),
            ],
          }),
        })
        viewRef.current = view
        onTextRef.current?.(text)
        setLoad({ status: 'ready' })
      },
      (error: unknown) => {
        if (!stale) setLoad({ status: 'error', message: (error as Error).message })
      },
    )
    return () => {
      saveNow()
      stale = true
      view?.destroy()
      viewRef.current = null
    }
  }, [client, dir, dockerfile])

  const ready = load.status === 'ready'
  useEffect(() => {
    const view = viewRef.current
    if (!ready || !view) return
    const steps = build && builtThis(build, dir, dockerfile) ? Object.values(build.steps) : []
    view.dispatch({ effects: setStepMarks.of(stepMarks(steps)) })
  }, [ready, build, dir, dockerfile])

  useEffect(() => {
    const view = viewRef.current
    if (ready && view) view.dispatch({ effects: setForecastMarks.of(forecastMarks(forecast)) })
  }, [ready, forecast])

  // A finished build has new layers to measure: check again so the lint shows their costs.
  const measured = build && build.status === 'succeeded' && builtThis(build, dir, dockerfile) ? build.buildId : undefined
  useEffect(() => {
    const view = viewRef.current
    if (ready && view && measured) view.dispatch({ effects: refreshLint.of(null) })
  }, [ready, measured])

  useEffect(() => {
    const view = viewRef.current
    if (!ready || !view) return
    const line = selectedLine !== undefined && selectedLine <= view.state.doc.lines ? selectedLine : undefined
    view.dispatch({
      effects: [
        setSelectedLine.of(line),
        ...(line === undefined ? [] : [EditorView.scrollIntoView(view.state.doc.line(line).from, { y: 'nearest' })]),
      ],
    })
  }, [ready, selectedLine])

  const saveLabel = { saved: 'Saved', unsaved: 'Unsaved changes', saving: 'Saving…', error: 'Not saved' }[save.state]
  return (
    <div className="flex h-full min-h-0 flex-col rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900" data-testid="dockerfile-editor">
      <div className="flex h-8 shrink-0 items-center gap-3 border-b border-zinc-200 px-3 text-xs dark:border-zinc-800">
        <span className="truncate font-medium text-zinc-700 dark:text-zinc-300">{dockerfile}</span>
        {fixError && (
          <span className="truncate text-red-600 dark:text-red-400" role="alert" title={fixError} data-testid="editor-fix-error">
            {fixError}
          </span>
        )}
        <span
          className={`ml-auto ${save.state === 'error' ? 'text-red-600' : save.state === 'saved' ? 'text-emerald-600 dark:text-emerald-400' : 'text-zinc-500'}`}
          data-testid="editor-save-state"
          data-state={save.state}
          title={save.message ?? 'Edits are saved to disk as you type (Ctrl/Cmd+S saves now)'}
        >
          {saveLabel}
        </span>
      </div>
      {load.status === 'loading' && <p className="p-3 text-sm text-zinc-500">Reading {dockerfile}…</p>}
      {load.status === 'error' && (
        <p className="p-3 text-sm text-red-600" role="alert">
          Could not open {dockerfile}: {load.message}
        </p>
      )}
      <div ref={host} className="min-h-0 flex-1 overflow-hidden text-zinc-900 dark:text-zinc-100" />
    </div>
  )
}
