import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { defaultStoreDir, resolveStoreDir } from './store-location'

describe('defaultStoreDir', () => {
  it.each([
    ['linux with XDG_DATA_HOME', { HOME: '/home/u', XDG_DATA_HOME: '/data' }, 'linux', '/data/layerlab'],
    ['linux without XDG_DATA_HOME', { HOME: '/home/u' }, 'linux', '/home/u/.local/share/layerlab'],
    ['linux ignores a relative XDG_DATA_HOME', { HOME: '/home/u', XDG_DATA_HOME: 'rel' }, 'linux', '/home/u/.local/share/layerlab'],
    ['macOS', { HOME: '/Users/u' }, 'darwin', '/Users/u/Library/Application Support/Layerlab'],
    ['Windows', { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u\\AppData\\Local\\Layerlab'],
    ['Windows without LOCALAPPDATA', { USERPROFILE: 'C:\\Users\\u' }, 'win32', 'C:\\Users\\u\\AppData\\Local\\Layerlab'],
    ['LAYERLAB_STORE wins on Linux', { HOME: '/home/u', XDG_DATA_HOME: '/data', LAYERLAB_STORE: '/srv/store' }, 'linux', '/srv/store'],
    ['LAYERLAB_STORE wins on Windows', { LOCALAPPDATA: 'C:\\L', LAYERLAB_STORE: 'D:\\store' }, 'win32', 'D:\\store'],
  ] as const)('%s', (_name, env, platform, expected) => {
    expect(defaultStoreDir(env, platform)).toBe(expected)
  })

  it('falls back to the home directory when HOME is unset', () => {
    expect(defaultStoreDir({}, 'linux')).toBe(path.posix.join(os.homedir(), '.local', 'share', 'layerlab'))
  })

  it('lets an explicit --store beat LAYERLAB_STORE, relative to the working directory', () => {
    expect(resolveStoreDir('/explicit', { LAYERLAB_STORE: '/env' }, 'linux')).toBe('/explicit')
    expect(resolveStoreDir('rel/store', {}, 'linux')).toBe(path.resolve('rel/store'))
    expect(resolveStoreDir(undefined, { LAYERLAB_STORE: '/env' }, 'linux')).toBe('/env')
    expect(resolveStoreDir('  ', { LAYERLAB_STORE: '/env' }, 'linux')).toBe('/env')
  })
})
