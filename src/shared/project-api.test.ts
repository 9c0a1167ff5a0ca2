import { describe, expect, it } from 'vitest'
import { contract } from './contract'
import { isStringMap } from './guards'
import {
  isBuildId,
  isCancelBuildArgs,
  isListBuildsArgs,
  isOpenProjectArgs,
  isReadBuildArgs,
  isStartBuildArgs,
} from './project-api'

describe('project and build argument guards', () => {
  it('accepts what the contract allows', () => {
    expect(isOpenProjectArgs({ dir: '/p' })).toBe(true)
    expect(isOpenProjectArgs({ dir: '/p', dockerfile: 'sub/api.Dockerfile' })).toBe(true)
    expect(isStartBuildArgs({ dir: '/p' })).toBe(true)
    expect(
      isStartBuildArgs({
        dir: '/p',
        dockerfile: 'Dockerfile',
        buildArgs: { VERSION: '1.2', EMPTY: '' },
        target: 'app',
        noCache: true,
        tags: ['app:dev'],
      }),
    ).toBe(true)
    // JSON has no undefined, but a same-process caller may pass it: absent and undefined are alike.
    expect(isStartBuildArgs({ dir: '/p', target: undefined })).toBe(true)
    expect(isCancelBuildArgs({ buildId: '20260101T120000123Z-k3x9q2ab' })).toBe(true)
    expect(isListBuildsArgs({ dir: '/p' })).toBe(true)
    expect(isListBuildsArgs({ dir: '/p', limit: 10 })).toBe(true)
    expect(isReadBuildArgs({ id: 'abc' })).toBe(true)
  })

  it('refuses wrong shapes, unknown keys, empty and oversized strings', () => {
    const refused: unknown[] = [
      undefined,
      null,
      '/p',
      [],
      {},
      { dir: '' },
      { dir: 5 },
      { dir: '/p', extra: 1 },
      { dir: 'x'.repeat(5000) },
      { dir: '/p\0/x' },
    ]
    for (const value of refused) {
      expect(isOpenProjectArgs(value), JSON.stringify(value)).toBe(false)
      expect(isStartBuildArgs(value), JSON.stringify(value)).toBe(false)
      expect(isListBuildsArgs(value), JSON.stringify(value)).toBe(false)
    }
    expect(isStartBuildArgs({ dir: '/p', noCache: 'yes' })).toBe(false)
    expect(isStartBuildArgs({ dir: '/p', tags: ['a', 5] })).toBe(false)
    expect(isStartBuildArgs({ dir: '/p', tags: Array.from({ length: 33 }, () => 'a') })).toBe(false)
    expect(isStartBuildArgs({ dir: '/p', target: '' })).toBe(false)
    expect(isStartBuildArgs({ dir: '/p', buildArgs: ['A=1'] })).toBe(false)
    expect(isStartBuildArgs({ dir: '/p', buildArgs: { A: 1 } })).toBe(false)
    expect(isStartBuildArgs({ dir: '/p', buildArgs: { 'A=B': '1' } })).toBe(false)
    expect(isStartBuildArgs({ dir: '/p', buildArgs: { 'A B': '1' } })).toBe(false)
    expect(isStartBuildArgs({ dir: '/p', buildArgs: { '': '1' } })).toBe(false)
    expect(isListBuildsArgs({ dir: '/p', limit: 0 })).toBe(false)
    expect(isListBuildsArgs({ dir: '/p', limit: 1.5 })).toBe(false)
    expect(isCancelBuildArgs({ buildId: 5 })).toBe(false)
    expect(isCancelBuildArgs({})).toBe(false)
  })

  it('refuses build ids that could name a path', () => {
    for (const id of ['', '../x', 'a/b', '.hidden', 'a\\b', 'x'.repeat(200), 'a.json']) {
      expect(isBuildId(id), id).toBe(false)
      expect(isReadBuildArgs({ id }), id).toBe(false)
    }
  })

  it('takes a parsed __proto__ key as a plain build arg without touching prototypes', () => {
    const parsed = JSON.parse('{"dir":"/p","buildArgs":{"__proto__":"x"}}') as unknown
    expect(isStartBuildArgs(parsed)).toBe(true)
    expect(isStringMap(Object.create({ inherited: 'x' }), { maxEntries: 5, key: () => true, value: () => true })).toBe(false)
  })

  it('wires every new request to its guard in the contract', () => {
    expect(contract.requests.startBuild.isArgs({ dir: '/p' })).toBe(true)
    expect(contract.requests.startBuild.isArgs({ dir: 1 })).toBe(false)
    expect(contract.requests.openProject.isArgs({ dir: '/p' })).toBe(true)
    expect(contract.requests.readBuild.isArgs({ id: '../x' })).toBe(false)
    expect(contract.events).toHaveProperty('buildEvent')
  })
})
