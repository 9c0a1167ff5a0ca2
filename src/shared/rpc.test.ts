import { describe, expect, it } from 'vitest'
import type { ApiHandlers, EngineEvent } from './contract'
import { ApiError } from './errors'
import { stubHandlers } from './handlers.test-support'
import { createClient, dispatch, type Transport } from './rpc'
import type { EngineInfo } from './engine-info'

const info: EngineInfo = {
  version: '9.9.9',
  platform: 'linux',
  arch: 'x64',
  run: { supported: true, detail: 'sandbox' },
  docker: { available: false, host: 'unix:///nowhere', reason: 'no socket' },
}

function loopback(handlers: ApiHandlers): Transport & { push(event: EngineEvent): void } {
  const listeners = new Set<(event: EngineEvent) => void>()
  return {
    invoke: (method, args) => dispatch(handlers, method, args),
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    push(event) {
      for (const l of listeners) l(event)
    },
  }
}

describe('dispatch', () => {
  const handlers: ApiHandlers = stubHandlers({ engineInfo: async () => info })

  it('answers a known request', async () => {
    expect(await dispatch(handlers, 'engineInfo', undefined)).toEqual({ ok: true, result: info })
  })

  it('refuses methods that are not in the contract, including inherited names', async () => {
    for (const method of ['nope', 'toString', '__proto__', 'constructor', 42]) {
      const reply = await dispatch(handlers, method, undefined)
      expect(reply).toMatchObject({ ok: false, error: { code: 'unknown-method' } })
    }
  })

  it('answers a host request with unsupported when only the engine’s handlers are given', async () => {
    const { hostInfo: _hostInfo, chooseProjectFolder: _choose, ...engineOnly } = handlers
    expect(await dispatch(engineOnly, 'chooseProjectFolder', undefined)).toMatchObject({ ok: false, error: { code: 'unsupported' } })
    expect(await dispatch(engineOnly, 'engineInfo', undefined)).toEqual({ ok: true, result: info })
  })

  it('refuses arguments the contract does not allow before the handler runs', async () => {
    let called = false
    const spy: ApiHandlers = stubHandlers({
      engineInfo: async () => {
        called = true
        return info
      },
    })
    const reply = await dispatch(spy, 'engineInfo', { evil: true })
    expect(reply).toMatchObject({ ok: false, error: { code: 'bad-request' } })
    expect(called).toBe(false)
  })

  it('turns a thrown ApiError into its payload, location and step included', async () => {
    const failing: ApiHandlers = stubHandlers({
      engineInfo: async () => {
        throw new ApiError({
          code: 'parse-error',
          message: 'line 2: unknown instruction: FORM',
          location: { start: { line: 2, column: 1 }, end: { line: 2, column: 5 } },
          stepId: 's1',
        })
      },
    })
    expect(await dispatch(failing, 'engineInfo', undefined)).toEqual({
      ok: false,
      error: {
        code: 'parse-error',
        message: 'line 2: unknown instruction: FORM',
        location: { start: { line: 2, column: 1 }, end: { line: 2, column: 5 } },
        stepId: 's1',
      },
    })
  })

  it('keeps the message of an unexpected error but not its stack', async () => {
    const failing: ApiHandlers = stubHandlers({
      engineInfo: async () => {
        throw new TypeError('boom')
      },
    })
    const reply = await dispatch(failing, 'engineInfo', undefined)
    expect(reply).toEqual({ ok: false, error: { code: 'internal', message: 'boom' } })
  })
})

describe('createClient', () => {
  it('calls every contract request by name and returns its result', async () => {
    const client = createClient(loopback(stubHandlers({ engineInfo: async () => info })))
    expect(await client.engineInfo()).toEqual(info)
  })

  it('rejects with an ApiError carrying the code', async () => {
    const client = createClient(
      loopback(
        stubHandlers({
          engineInfo: async () => {
            throw new ApiError({ code: 'docker-unavailable', message: 'no daemon' })
          },
        }),
      ),
    )
    const error = await client.engineInfo().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ code: 'docker-unavailable', message: 'no daemon' })
  })

  it('delivers pushed events to listeners of that event until they unsubscribe', () => {
    const transport = loopback(stubHandlers({ engineInfo: async () => info }))
    const client = createClient(transport)
    const seen: unknown[] = []
    const off = client.on('dockerStatus', (status) => seen.push(status))
    transport.push({ event: 'dockerStatus', payload: info.docker })
    off()
    transport.push({ event: 'dockerStatus', payload: info.docker })
    expect(seen).toEqual([info.docker])
  })

  it('fails a malformed reply as a transport error', async () => {
    const client = createClient({ invoke: async () => 'garbage' as never, subscribe: () => () => {} })
    await expect(client.engineInfo()).rejects.toMatchObject({ code: 'transport' })
  })
})
