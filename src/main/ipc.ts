import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron'
import { requestNames, type ApiHandlers } from '../shared/contract'
import { dispatch, type Reply } from '../shared/rpc'
import { ipcEventChannel, ipcRequestChannel } from '../shared/ipc-channels'
import type { EngineApi } from '../engine'
import { electronHostHandlers } from './host-handlers'
import { isTrustedSenderUrl } from './sender-check'

/**
 * The only module in main that touches ipcMain. One handler per contract request, each with the
 * sender check; events are forwarded to windows that have subscribed.
 */
export function registerIpc(api: EngineApi, trustedPageUrl: () => string): () => void {
  const trusted = (event: IpcMainInvokeEvent): boolean =>
    isTrustedSenderUrl(event.senderFrame?.url, trustedPageUrl())

  for (const name of requestNames) {
    ipcMain.handle(ipcRequestChannel(name), async (event, args: unknown): Promise<Reply> => {
      if (!trusted(event)) {
        return { ok: false, error: { code: 'bad-request', message: 'IPC from an untrusted sender was refused' } }
      }
      const handlers: ApiHandlers = { ...api.handlers, ...electronHostHandlers(event.sender) }
      return dispatch(handlers, name, args)
    })
  }

  const subscriptions = new Map<WebContents, () => void>()
  ipcMain.handle(ipcEventChannel, (event) => {
    if (!trusted(event)) return false
    const contents = event.sender
    if (subscriptions.has(contents)) return true
    const unsubscribe = api.subscribe((engineEvent) => {
      if (!contents.isDestroyed()) contents.send(ipcEventChannel, engineEvent)
    })
    subscriptions.set(contents, unsubscribe)
    contents.once('destroyed', () => {
      subscriptions.get(contents)?.()
      subscriptions.delete(contents)
    })
    return true
  })

  return () => {
    for (const name of requestNames) ipcMain.removeHandler(ipcRequestChannel(name))
    ipcMain.removeHandler(ipcEventChannel)
    for (const unsubscribe of subscriptions.values()) unsubscribe()
    subscriptions.clear()
  }
}
