import {
  contract,
  isEventName,
  isRequestName,
  requestNames,
  type ApiClient,
  type EngineHandlers,
  type HostHandlers,
  type EngineEvent,
  type EventName,
  type EventPayload,
} from './contract'
import { ApiError, isErrorPayload, toErrorPayload, type ApiErrorPayload } from './errors'

/**
 * The wire format shared by Electron IPC and the WebSocket host. A reply is an envelope rather
 * than a rejection because Electron flattens rejected invokes into an opaque string.
 */
export type Reply = { ok: true; result: unknown } | { ok: false; error: ApiErrorPayload }

export type ClientMessage = { type: 'request'; id: number; method: string; args?: unknown }
export type ServerMessage =
  | ({ type: 'reply'; id: number } & Reply)
  | { type: 'event'; event: string; payload: unknown }

/**
 * Runs one request against the handlers. Every host calls this, so the method and argument
 * checks live in one place and no host can forget them. The hosts pass every handler (typed as
 * ApiHandlers); the engine's alone (tests) answer a host request with `unsupported`.
 */
export async function dispatch(handlers: EngineHandlers & Partial<HostHandlers>, method: unknown, args: unknown): Promise<Reply> {
  if (!isRequestName(method)) {
    return { ok: false, error: { code: 'unknown-method', message: `unknown method: ${String(method)}` } }
  }
  const spec = contract.requests[method]
  if (!spec.isArgs(args)) {
    return { ok: false, error: { code: 'bad-request', message: `invalid arguments for ${method}` } }
  }
  const handler = (handlers as Partial<Record<string, (a: unknown) => Promise<unknown>>>)[method]
  if (!handler) return { ok: false, error: { code: 'unsupported', message: `${method} is answered by the window's host, not the engine` } }
  try {
    return { ok: true, result: await handler(args) }
  } catch (error) {
    return { ok: false, error: toErrorPayload(error) }
  }
}

export function unwrapReply(reply: unknown): unknown {
  if (typeof reply === 'object' && reply !== null && 'ok' in reply) {
    const r = reply as Reply
    if (r.ok) return r.result
    if (isErrorPayload(r.error)) throw new ApiError(r.error)
  }
  throw new ApiError({ code: 'transport', message: 'malformed reply from the engine' })
}

/** How a client reaches the engine: Electron's preload bridge or a WebSocket. */
export interface Transport {
  invoke(method: string, args: unknown): Promise<Reply>
  subscribe(listener: (event: EngineEvent) => void): () => void
}

/** Builds the typed client from the contract's request names; nothing is listed twice. */
export function createClient(transport: Transport): ApiClient {
  const listeners = new Map<EventName, Set<(payload: never) => void>>()
  let unsubscribe: (() => void) | undefined

  const client: Record<string, unknown> = {}
  for (const name of requestNames) {
    client[name] = async (args?: unknown) => unwrapReply(await transport.invoke(name, args))
  }
  client.on = <E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) => {
    let set = listeners.get(event)
    if (!set) listeners.set(event, (set = new Set()))
    set.add(listener)
    unsubscribe ??= transport.subscribe((message) => {
      if (!isEventName(message.event)) return
      for (const l of listeners.get(message.event) ?? []) (l as (p: unknown) => void)(message.payload)
    })
    return () => {
      set.delete(listener)
    }
  }
  return client as ApiClient
}

export function isClientMessage(value: unknown): value is ClientMessage {
  if (typeof value !== 'object' || value === null) return false
  const m = value as Partial<ClientMessage>
  return m.type === 'request' && typeof m.id === 'number' && Number.isSafeInteger(m.id) && typeof m.method === 'string'
}
