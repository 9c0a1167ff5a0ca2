import { useCallback, useRef, useState } from 'react'
import type { ApiClient } from '../../shared/contract'
import type { ProjectInfo } from '../../shared/project-api'
import { pageStorage } from './page-storage'
import { addRecent, loadRecent, removeRecent, saveRecent } from './recent-projects'

export interface ProjectState {
  info?: ProjectInfo
  /** The folder being opened right now. */
  opening?: string
  error?: { dir: string; message: string }
  recent: string[]
}

/**
 * The open project: opening a folder asks the engine for its Dockerfiles and stages; a folder
 * that opens joins the recent list. A failed open keeps the project that was open.
 */
export function useProject(client: ApiClient) {
  const [state, setState] = useState<ProjectState>(() => ({ recent: loadRecent(pageStorage()) }))
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
          saveRecent(pageStorage(), recent)
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
      saveRecent(pageStorage(), recent)
      return { ...s, recent }
    })
  }, [])

  /** A failure before any folder was opened (the folder dialog itself failed). */
  const fail = useCallback((dir: string, message: string) => {
    setState((s) => ({ ...s, error: { dir, message } }))
  }, [])

  const dismissError = useCallback(() => {
    setState((s) => {
      const { error: _error, ...rest } = s
      return rest
    })
  }, [])

  return { ...state, open, forget, fail, dismissError }
}
