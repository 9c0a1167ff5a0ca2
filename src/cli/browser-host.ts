import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import type { EngineApi } from '../engine'
import type { ApiHandlers, HostHandlers } from '../shared/contract'
import { ApiError } from '../shared/errors'
import { dispatch, isClientMessage, type ServerMessage } from '../shared/rpc'
import { sendStaticFile } from './static-files'

export interface BrowserHostOptions {
  api: EngineApi
  rendererDir: string
  contentSecurityPolicy: string
  port?: number
  /** Fixed token for tests; a fresh random one otherwise. */
  token?: string
}

export interface BrowserHost {
  /** The page address to open, token included. */
  url: string
  port: number
  token: string
  close(): Promise<void>
}

const loopback = '127.0.0.1'
const maxMessageBytes = 1024 * 1024

/**
 * `layerlab serve`: the built renderer over HTTP and the contract over a WebSocket, on loopback
 * only. The API answers only a socket that presents this run's token and comes from this
 * host's own page (Origin and Host checked), so other local users' pages and DNS-rebinding
 * sites cannot drive the engine.
 */
export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const token = options.token ?? randomBytes(24).toString('base64url')
  const server = createServer()
  const sockets = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes })
  let origins: Set<string> = new Set()

  const securityHeaders = {
    'content-security-policy': `${options.contentSecurityPolicy}; frame-ancestors 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  }

  server.on('request', (request, response) => {
    const method = request.method ?? 'GET'
    if (!isOwnHost(request, origins)) {
      response.writeHead(421, { 'content-type': 'text/plain; charset=utf-8' })
      response.end('misdirected request\n')
      return
    }
    if (method !== 'GET' && method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' })
      response.end()
      return
    }
    const path = new URL(request.url ?? '/', 'http://localhost').pathname
    void sendStaticFile(options.rendererDir, path, response, securityHeaders, method).catch(() => {
      if (!response.headersSent) response.writeHead(500)
      response.end()
    })
  })

  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    const refusal =
      url.pathname !== '/api'
        ? '404 Not Found'
        : !isOwnHost(request, origins) || !origins.has(request.headers.origin ?? '')
          ? '403 Forbidden'
          : !tokenMatches(url.searchParams.get('token'), token)
            ? '401 Unauthorized'
            : undefined
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
      return
    }
    sockets.handleUpgrade(request, socket, head, (ws) => serveSocket(ws, options.api))
  })

  await listen(server, options.port ?? 0)
  const port = (server.address() as AddressInfo).port
  origins = new Set([`http://${loopback}:${port}`, `http://localhost:${port}`])

  return {
    url: `http://${loopback}:${port}/?token=${token}`,
    port,
    token,
    close: () => close(server, sockets),
  }
}

/**
 * What the browser host answers itself. A page cannot be shown a native dialog from here (nor
 * learn a folder's full path from the browser's), so the UI, told `folderDialog: false`, offers
 * the path field and never asks; a client that asks anyway is told why not.
 */
export const browserHostHandlers: HostHandlers = {
  hostInfo: () => Promise.resolve({ kind: 'browser', folderDialog: false }),
  chooseProjectFolder: () =>
    Promise.reject(
      new ApiError({ code: 'unsupported', message: 'the browser host has no folder dialog: type the project folder’s full path instead' }),
    ),
}

function serveSocket(ws: WebSocket, api: EngineApi): void {
  const handlers: ApiHandlers = { ...api.handlers, ...browserHostHandlers }
  const send = (message: ServerMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message))
  }
  const unsubscribe = api.subscribe((event) => send({ type: 'event', event: event.event, payload: event.payload }))
  ws.on('close', unsubscribe)
  ws.on('message', (data, isBinary) => {
    let message: unknown
    try {
      message = isBinary ? undefined : JSON.parse(String(data))
    } catch {
      message = undefined
    }
    if (!isClientMessage(message)) {
      ws.close(1008, 'malformed message')
      return
    }
    void dispatch(handlers, message.method, message.args).then((reply) => send({ type: 'reply', id: message.id, ...reply }))
  })
}

function isOwnHost(request: IncomingMessage, origins: Set<string>): boolean {
  return origins.has(`http://${request.headers.host ?? ''}`)
}

function tokenMatches(given: string | null, expected: string): boolean {
  if (given === null) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, loopback, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

function close(server: Server, sockets: WebSocketServer): Promise<void> {
  for (const client of sockets.clients) client.terminate()
  sockets.close()
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}
