import { contextBridge, ipcRenderer } from 'electron'
import { isEventName, isRequestName, type EngineEvent } from '../shared/contract'
import { ipcEventChannel, ipcRequestChannel } from '../shared/ipc-channels'
import type { Reply, Transport } from '../shared/rpc'

/**
 * The renderer's only door to the main process: a transport that can invoke contract requests
 * and receive contract events, and nothing else (no raw ipcRenderer, no Node).
 */
const bridge: Transport = {
  invoke(method: string, args: unknown): Promise<Reply> {
    if (!isRequestName(method)) {
      return Promise.resolve({ ok: false, error: { code: 'unknown-method', message: `unknown method: ${method}` } })
    }
    return ipcRenderer.invoke(ipcRequestChannel(method), args) as Promise<Reply>
  },
  subscribe(listener: (event: EngineEvent) => void): () => void {
    const onEvent = (_event: unknown, message: EngineEvent): void => {
      if (isEventName(message?.event)) listener(message)
    }
    ipcRenderer.on(ipcEventChannel, onEvent)
    void ipcRenderer.invoke(ipcEventChannel)
    return () => {
      ipcRenderer.removeListener(ipcEventChannel, onEvent)
    }
  },
}

contextBridge.exposeInMainWorld('layerlab', bridge)
