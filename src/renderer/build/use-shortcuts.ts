import { useEffect, useRef } from 'react'

/** Ctrl/Cmd+Enter builds, Escape cancels: anywhere in the window, inputs included. */
export function useBuildShortcuts(handlers: { build: () => void; cancel: () => void }): void {
  const latest = useRef(handlers)
  useEffect(() => {
    latest.current = handlers
  })
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.repeat) {
        event.preventDefault()
        latest.current.build()
      } else if (event.key === 'Escape') {
        latest.current.cancel()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
}
