import type { BuildEvent, BuildFinishedEvent } from '../shared/build-events'

/**
 * Resolves with a build's finished event once the engine has pushed it into `events` (the list a
 * test's subscriber fills), or fails after `timeoutMs`.
 */
export async function buildFinished(events: readonly BuildEvent[], buildId: string, timeoutMs = 20_000): Promise<BuildFinishedEvent> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const done = events.find((e): e is BuildFinishedEvent => e.type === 'build-finished' && e.buildId === buildId)
    if (done) return done
    if (Date.now() > deadline) throw new Error(`build ${buildId} did not finish within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
