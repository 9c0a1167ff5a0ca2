// FROM pulls on demand: planBuild's `pull` hook wired to pullImage, as the embedded backend does.
import { afterEach, describe, expect, it } from 'vitest'
import { planBuild } from '../build/plan'
import { InstructionError } from '../dockerfile'
import { noRunExecutor } from '../exec/executor'
import type { Store } from '../store'
import { FakeRegistry } from './fake-registry.test-support'
import { pullImage } from './pull'
import { seedImage, tempStore } from './registry-fixtures.test-support'

const running: FakeRegistry[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()))
})

async function plan(store: Store, dockerfileText: string, pulled: string[]) {
  return planBuild({
    dockerfileText,
    store,
    executor: noRunExecutor,
    pull: async (ref) => {
      pulled.push(ref)
      await pullImage(store, ref, { credentials: null })
    },
  })
}

describe('FROM an image the store lacks', () => {
  it('is pulled once, then planned like a loaded one', async () => {
    const fake = new FakeRegistry({ auth: 'bearer' })
    running.push(fake)
    await fake.start()
    const image = seedImage(fake, 'library/base', '1')
    const store = await tempStore()
    const pulled: string[] = []
    const ref = `${fake.host}/library/base:1`
    const result = await plan(store, `FROM ${ref}\nCOPY a /a\nFROM ${ref} AS second\n`, pulled)
    expect(pulled).toEqual([ref])
    expect(result.images.get(ref)?.manifestDescriptor.digest).toBe(image.manifest.digest)
    // Present now: the next plan does not pull.
    await plan(store, `FROM ${ref}\n`, pulled)
    expect(pulled).toEqual([ref])
  })

  it('fails at the FROM line with the registry error in docker pull’s words', async () => {
    const fake = new FakeRegistry({ auth: 'bearer' })
    running.push(fake)
    await fake.start()
    seedImage(fake, 'private', '1')
    seedImage(fake, 'library/base', '1')
    const store = await tempStore()
    const denied = await plan(store, `# syntax check\n\nFROM ${fake.host}/private:1\n`, []).catch((e: unknown) => e)
    expect(denied).toBeInstanceOf(InstructionError)
    expect(denied).toMatchObject({
      line: 3,
      message: `line 3: pull access denied for ${fake.host}/private, repository does not exist or may require 'docker login': unauthorized: authentication required`,
    })
    const unknown = await plan(store, `FROM ${fake.host}/library/base:1\nCOPY --from=${fake.host}/library/base:2 / /\n`, []).catch((e: unknown) => e)
    expect(unknown).toMatchObject({ line: 2, message: `line 2: manifest unknown: ${fake.host}/library/base:2 not found` })
  })
})
