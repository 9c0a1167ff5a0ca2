import { useLayoutEffect, useMemo, useRef } from 'react'
import { logLines, type LogLines } from '../build/log-lines'

/**
 * A step's output in a fixed-height pane. It follows new lines while scrolled to the bottom
 * and stays put once the reader scrolls up.
 */
export function StepLogs({ logs, running }: { logs: LogLines; running: boolean }) {
  const pane = useRef<HTMLPreElement>(null)
  const stick = useRef(true)
  const text = useMemo(
    () =>
      logLines(logs)
        .map((l) => l.text)
        .join('\n'),
    [logs],
  )

  useLayoutEffect(() => {
    const el = pane.current
    if (el && stick.current) el.scrollTop = el.scrollHeight
  }, [text])

  return (
    <div className="mx-3 mb-2" data-testid="step-logs">
      {logs.dropped > 0 && (
        <p className="px-3 py-1 text-xs text-zinc-500">… {logs.dropped.toLocaleString()} earlier lines not kept</p>
      )}
      <pre
        ref={pane}
        onScroll={(e) => {
          const el = e.currentTarget
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24
        }}
        className="h-48 overflow-auto rounded-md bg-zinc-900 px-3 py-2 font-mono text-xs leading-5 text-zinc-100 dark:bg-black"
      >
        {logs.size > 0 ? text : <span className="text-zinc-400">{running ? 'Waiting for output…' : 'This step printed nothing.'}</span>}
      </pre>
    </div>
  )
}
