import type { ApiClient } from '../../shared/contract'
import { createClient, type Transport } from '../../shared/rpc'
import { createWebSocketTransport } from './ws-transport'

export type EngineConnection =
  | { ok: true; client: ApiClient; host: 'electron' | 'browser' }
  | { ok: false; message: string }

declare global {
  interface Window {
    /** Set by the Electron preload script; absent in a browser. */
    layerlab?: Transport
  }
}

/**
 * In Electron the preload bridge is the transport; in a browser the page was opened by
 * `layerlab serve` with a token in its URL, which the WebSocket must present.
 */
export function connectToEngine(win: Window): EngineConnection {
  if (win.layerlab) return { ok: true, client: createClient(win.layerlab), host: 'electron' }
  const token = new URLSearchParams(win.location.search).get('token')
  if (!token) {
    return {
      ok: false,
      message: 'This page needs the address that `layerlab serve` printed, including its ?token=… part.',
    }
  }
  const protocol = win.location.protocol === 'https:' ? 'wss:' : 'ws:'
  const url = `${protocol}//${win.location.host}/api?token=${encodeURIComponent(token)}`
  return { ok: true, client: createClient(createWebSocketTransport(url)), host: 'browser' }
}
