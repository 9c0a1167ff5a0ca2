import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { EngineApi } from '../engine'
import type { EngineEvent } from '../shared/contract'
import type { EngineInfo } from '../shared/engine-info'
import { stubHandlers } from '../shared/handlers.test-support'
import type { ServerMessage } from '../shared/rpc'
import { startBrowserHost, type BrowserHost } from './browser-host'

const info: EngineInfo = {
  version: '1.2.3',
  platform: 'linux',
  arch: 'x64',
  run: { supported: true, detail: 'sandbox' },
  docker: { available: false, host: 'unix:///nowhere', reason: 'no socket' },
}

let host: BrowserHost
let root: string
const subscribers = new Set<(e: EngineEvent) => void>()
const api: EngineApi = {
  handlers: stubHandlers({ engineInfo: async () => info }),
  subscribe(listener) {
    subscribers.add(listener)
    return () => subscribers.delete(listener)
  },
  close: async () => undefined,
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'layerlab-host-'))
  await mkdir(join(root, 'renderer', 'assets'), { recursive: true })
  await writeFile(join(root, 'renderer', 'index.html'), '<!doctype html><title>Layerlab</title>')
  await writeFile(join(root, 'renderer', 'assets', 'app.js'), 'console.log(1)')
  await writeFile(join(root, 'secret.txt'), 'outside the renderer')
  host = await startBrowserHost({ api, rendererDir: join(root, 'renderer'), contentSecurityPolicy: "default-src 'self'" })
})

afterAll(async () => {
  await host.close()
  await rm(root, { recursive: true, force: true })
})

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, headers }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
    })
    req.on('error', reject)
    req.end()
  })
}

function connect(query: string, origin = `http://127.0.0.1:${host.port}`): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api${query}`, { origin })
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

function nextMessage(ws: WebSocket): Promise<ServerMessage> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)) as ServerMessage)))
}

describe('layerlab serve host', () => {
  it('listens on loopback and prints a page URL carrying the token', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`)
    expect(host.token.length).toBeGreaterThanOrEqual(32)
  })

  it('serves the renderer with a CSP and without caching the page', async () => {
    const page = await get('/?token=x')
    expect(page.status).toBe(200)
    expect(page.body).toContain('<title>Layerlab</title>')
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(page.headers['cache-control']).toBe('no-store')
    expect((await get('/assets/app.js')).status).toBe(200)
  })

  it('never serves a file outside the renderer directory', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%00']) {
      const res = await get(path)
      expect(res.status, path).toBe(404)
      expect(res.body).not.toContain('outside the renderer')
    }
  })

  it('refuses requests for another host name (DNS rebinding)', async () => {
    expect((await get('/', { host: 'attacker.example' })).status).toBe(421)
  })

  it('refuses a socket without the token, with a wrong token, or from another origin', async () => {
    await expect(connect('')).rejects.toThrow('HTTP 401')
    await expect(connect('?token=wrong')).rejects.toThrow('HTTP 401')
    await expect(connect(`?token=${host.token}`, 'http://attacker.example')).rejects.toThrow('HTTP 403')
  })

  it('answers contract requests and pushes engine events over the socket', async () => {
    const ws = await connect(`?token=${host.token}`)
    ws.send(JSON.stringify({ type: 'request', id: 7, method: 'engineInfo' }))
    expect(await nextMessage(ws)).toEqual({ type: 'reply', id: 7, ok: true, result: info })

    ws.send(JSON.stringify({ type: 'request', id: 8, method: 'deleteEverything' }))
    expect(await nextMessage(ws)).toMatchObject({ type: 'reply', id: 8, ok: false, error: { code: 'unknown-method' } })

    const pushed = nextMessage(ws)
    for (const s of subscribers) s({ event: 'dockerStatus', payload: info.docker })
    expect(await pushed).toEqual({ type: 'event', event: 'dockerStatus', payload: info.docker })
    ws.close()
  })

  it('says it is the browser host, without a folder dialog, and refuses one when asked anyway', async () => {
    const ws = await connect(`?token=${host.token}`)
    ws.send(JSON.stringify({ type: 'request', id: 1, method: 'hostInfo' }))
    expect(await nextMessage(ws)).toEqual({ type: 'reply', id: 1, ok: true, result: { kind: 'browser', folderDialog: false } })
    ws.send(JSON.stringify({ type: 'request', id: 2, method: 'chooseProjectFolder' }))
    expect(await nextMessage(ws)).toEqual({
      type: 'reply',
      id: 2,
      ok: false,
      error: { code: 'unsupported', message: 'the browser host has no folder dialog: type the project folder’s full path instead' },
    })
    ws.close()
  })

  it('closes a socket that sends something other than a request', async () => {
    const ws = await connect(`?token=${host.token}`)
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    ws.send('not json')
    expect(await closed).toBe(1008)
  })
})
