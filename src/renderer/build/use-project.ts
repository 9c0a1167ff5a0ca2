import { useCallback, useRef, useState } from 'react'
import type { ApiClient } from '../../shared/contract'
import type { ProjectInfo } from '../../shared/project-api'
import { addRecent, loadRecent, removeRecent, saveRecent } from './recent-projects'

export interface ProjectState {
  info?: ProjectInfo
  /** The folder being opened right now. */
  opening?: string
  error?: { dir: string; message: string }
  recent: string[]
}

function storage(): Storage | undefined {
  try {
    return window.localStorage
  } catch {
    return undefined
  }
}

/**
 * The open project: opening a folder asks the engine for its Dockerfiles and stages; a folder
 * that opens joins the recent list. A failed open keeps the project that was open.
 */
export function useProject(client: ApiClient) {
  const [state, setState] = useState<ProjectState>(() => ({ recent: loadRecent(storage()) }))
  const request = useRef(0)

  const open = useCallback(
    async (dir: string, dockerfile?: string) => {
      const trimmed = dir.trim()
      if (!trimmed) {
        setState((s) => ({ ...s, error: { dir, message: 'Type the full path of a folder that holds a Dockerfile.' } }))
        return
      }
      const id = ++request.current
      setState((s) => ({ ...s, opening: trimmed }))
      try {
        const info = await client.openProject({ dir: trimmed, ...(dockerfile ? { dockerfile } : {}) })
        if (id !== request.current) return
        setState((s) => {
          const recent = addRecent(s.recent, info.dir)
          saveRecent(storage(), recent)
          return { info, recent }
        })
      } catch (error) {
        if (id !== request.current) return
        setState((s) => {
          const { opening: _opening, ...rest } = s
          return { ...rest, error: { dir: trimmed, message: (error as Error).message } }
        })
      }
    },
    [client],
  )

  const forget = useCallback((dir: string) => {
    setState((s) => {
      const recent = removeRecent(s.recent, dir)
      saveRecent(storage(), recent)
      return { ...s, recent }
    })
  }, [])

  const dismissError = useCallback(() => {
    setState((s) => {
      const { error: _error, ...rest } = s
      return rest
    })
  }, [])

  return { ...state, open, forget, dismissError }
}
