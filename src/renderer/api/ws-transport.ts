import type { EngineEvent } from '../../shared/contract'
import type { ClientMessage, Reply, ServerMessage, Transport } from '../../shared/rpc'

/**
 * The contract over one WebSocket to `layerlab serve`. Requests made before the socket opens
 * wait for it; if it closes, pending requests fail with a transport error rather than hang.
 */
export function createWebSocketTransport(url: string): Transport {
  const pending = new Map<number, (reply: Reply) => void>()
  const listeners = new Set<(event: EngineEvent) => void>()
  let nextId = 1
  let closedReason: string | undefined
  const socket = new WebSocket(url)
  const opened = new Promise<void>((resolve) => socket.addEventListener('open', () => resolve(), { once: true }))

  socket.addEventListener('message', (message) => {
    let data: ServerMessage
    try {
      data = JSON.parse(String(message.data)) as ServerMessage
    } catch {
      return
    }
    if (data.type === 'reply') {
      const resolve = pending.get(data.id)
      pending.delete(data.id)
      resolve?.(data.ok ? { ok: true, result: data.result } : { ok: false, error: data.error })
    } else if (data.type === 'event') {
      for (const listener of listeners) listener({ event: data.event, payload: data.payload } as EngineEvent)
    }
  })

  socket.addEventListener('close', (event) => {
    closedReason = event.reason || 'the connection to layerlab serve closed'
    for (const resolve of pending.values()) resolve(transportError(closedReason))
    pending.clear()
  })

  return {
    async invoke(method, args) {
      if (closedReason) return transportError(closedReason)
      await Promise.race([opened, closedPromise(socket)])
      if (closedReason || socket.readyState !== WebSocket.OPEN) {
        return transportError(closedReason ?? 'could not connect to layerlab serve')
      }
      const id = nextId++
      const request: ClientMessage = { type: 'request', id, method, args }
      return new Promise<Reply>((resolve) => {
        pending.set(id, resolve)
        socket.send(JSON.stringify(request))
      })
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

function closedPromise(socket: WebSocket): Promise<void> {
  return new Promise((resolve) => socket.addEventListener('close', () => resolve(), { once: true }))
}

function transportError(message: string): Reply {
  return { ok: false, error: { code: 'transport', message } }
}
