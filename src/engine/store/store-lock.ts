import { AsyncLocalStorage } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'
import { open, readFile, stat, unlink, utimes } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { statIfExists } from './blob-store'
import type { StorePaths } from './store'
import { StoreError, hasErrnoCode } from './store-errors'

export interface StoreLockOptions {
  /** How long to wait for another holder before failing with `lock-timeout` (default 60 s). */
  timeoutMs?: number
  /** A lock not refreshed for this long is abandoned, whoever wrote it (default 30 s). */
  staleMs?: number
}

/** The content of `store.lock`: enough to tell a person who holds it, and to detect a dead holder. */
export interface LockOwner {
  pid: number
  hostname: string
  startedAt: string
  token: string
}

interface LockState {
  owner: LockOwner | undefined
  mtimeMs: number
  ino: number
}

/** Lock files this async context already holds, so nested withStoreLock calls do not deadlock. */
const heldHere = new AsyncLocalStorage<ReadonlySet<string>>()
/** Callers in this process queue here instead of polling the file against each other. */
const queues = new Map<string, Promise<void>>()
const ownTokens = new Set<string>()

/**
 * Runs `fn` while holding the store's cross-process lock: `store.lock`, created with O_EXCL and
 * holding the owner's pid, host, start time and a token. For short metadata read-modify-writes
 * (index.json, prune); blob writes need no lock. While held, the file's mtime is refreshed so a
 * waiter can tell a live holder from one that crashed: a lock is broken when its holder is a dead
 * pid on this host, or when it has not been refreshed for `staleMs` (other hosts, frozen holders).
 */
export async function withStoreLock<T>(store: { paths: Pick<StorePaths, 'lock'> }, fn: () => Promise<T>, options: StoreLockOptions = {}): Promise<T> {
  const lockPath = path.resolve(store.paths.lock)
  const held = heldHere.getStore()
  if (held?.has(lockPath)) return fn()

  const previous = queues.get(lockPath) ?? Promise.resolve()
  let done = (): void => undefined
  const mine = new Promise<void>((resolve) => (done = resolve))
  const tail = previous.then(() => mine)
  queues.set(lockPath, tail)
  try {
    await previous
    const release = await acquire(lockPath, options)
    try {
      return await heldHere.run(new Set([...(held ?? []), lockPath]), fn)
    } finally {
      await release()
    }
  } finally {
    done()
    if (queues.get(lockPath) === tail) queues.delete(lockPath)
  }
}

async function acquire(lockPath: string, options: StoreLockOptions): Promise<() => Promise<void>> {
  const timeoutMs = options.timeoutMs ?? 60_000
  const staleMs = options.staleMs ?? 30_000
  const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString(), token: randomUUID() }
  const deadline = Date.now() + timeoutMs
  let delay = 2
  for (;;) {
    if (await tryCreate(lockPath, owner)) break
    const current = await inspect(lockPath)
    if (current === undefined) continue
    if (isAbandoned(current, staleMs) && (await breakLock(lockPath, current))) continue
    if (Date.now() >= deadline) throw timeout(lockPath, current, timeoutMs)
    await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay))
    delay = Math.min(delay * 2, 50)
  }

  ownTokens.add(owner.token)
  const heartbeat = setInterval(
    () => {
      const now = new Date()
      utimes(lockPath, now, now).catch(() => undefined)
    },
    Math.max(250, Math.floor(staleMs / 3)),
  )
  heartbeat.unref()
  return async () => {
    clearInterval(heartbeat)
    ownTokens.delete(owner.token)
    // Only remove the file if it is still ours: had it been broken, it now belongs to someone else.
    const current = await inspect(lockPath)
    if (current?.owner?.token === owner.token) await unlink(lockPath).catch(ignoreMissing)
  }
}

async function tryCreate(lockPath: string, owner: LockOwner): Promise<boolean> {
  let handle
  try {
    handle = await open(lockPath, 'wx', 0o644)
  } catch (error) {
    if (hasErrnoCode(error, 'EEXIST')) return false
    // Windows reports a file that is being deleted as EPERM: someone just released it.
    if (process.platform === 'win32' && hasErrnoCode(error, 'EPERM')) return false
    throw error
  }
  try {
    await handle.writeFile(JSON.stringify(owner))
  } catch (error) {
    await handle.close().catch(() => undefined)
    await unlink(lockPath).catch(() => undefined)
    throw error
  }
  await handle.close()
  return true
}

async function inspect(lockPath: string): Promise<LockState | undefined> {
  try {
    const stats = await stat(lockPath)
    const text = await readFile(lockPath, 'utf8')
    return { owner: parseOwner(text), mtimeMs: stats.mtimeMs, ino: stats.ino }
  } catch (error) {
    if (hasErrnoCode(error, 'ENOENT')) return undefined
    throw error
  }
}

/** An empty or half-written file (its creator is between open and write, or died there) has no owner. */
function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>
    if (typeof value.pid === 'number' && typeof value.hostname === 'string' && typeof value.token === 'string') {
      return { pid: value.pid, hostname: value.hostname, token: value.token, startedAt: String(value.startedAt) }
    }
  } catch {
    // fall through: judged by age alone
  }
  return undefined
}

function isAbandoned(state: LockState, staleMs: number): boolean {
  const owner = state.owner
  if (owner && owner.hostname === os.hostname()) {
    // Our own pid but not a token we hold: left by an earlier process that had the same pid.
    if (owner.pid === process.pid) return !ownTokens.has(owner.token)
    if (!processAlive(owner.pid)) return true
  }
  return Date.now() - state.mtimeMs > staleMs
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return hasErrnoCode(error, 'EPERM')
  }
}

/**
 * Two waiters may both judge the same lock abandoned; without care the second would delete the
 * fresh lock the first just took. So breaking happens under a second exclusive file, and only
 * if the lock is still the very one that was judged (same token, or same inode and mtime).
 */
async function breakLock(lockPath: string, judged: LockState): Promise<boolean> {
  const breaker = `${lockPath}.break`
  try {
    await (await open(breaker, 'wx')).close()
  } catch (error) {
    if (!hasErrnoCode(error, 'EEXIST', 'EPERM')) throw error
    // Breaking takes milliseconds; a breaker file this old was left by a crash.
    const stats = await statIfExists(breaker)
    if (stats && Date.now() - stats.mtimeMs > 10_000) await unlink(breaker).catch(() => undefined)
    return false
  }
  try {
    const now = await inspect(lockPath)
    if (now !== undefined && sameLock(now, judged)) await unlink(lockPath).catch(ignoreMissing)
    return true
  } finally {
    await unlink(breaker).catch(() => undefined)
  }
}

function sameLock(a: LockState, b: LockState): boolean {
  if (a.owner && b.owner) return a.owner.token === b.owner.token
  return a.ino === b.ino && a.mtimeMs === b.mtimeMs
}

function timeout(lockPath: string, state: LockState, timeoutMs: number): StoreError {
  const who = state.owner ? `process ${state.owner.pid} on ${state.owner.hostname} (since ${state.owner.startedAt})` : 'another process'
  return new StoreError(
    'lock-timeout',
    `the store is locked by ${who}; gave up after ${timeoutMs} ms. If no Layerlab process is running, delete ${lockPath}`,
  )
}

function ignoreMissing(error: unknown): void {
  if (!hasErrnoCode(error, 'ENOENT')) throw error
}
