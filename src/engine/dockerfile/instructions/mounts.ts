// `RUN --mount` and `RUN --device` values (instructions/commands_runmount.go, commands_rundevice.go).
// A mount spec is read twice, as in BuildKit: at parse time without an expander, which only checks
// the CSV and refuses variables in `from=`; and when the RUN is dispatched, with every value
// expanded, which interprets and validates the whole spec.

import { goQuote, goToLower, utf8Length } from '../go-strings'
import { withSuggestion } from './closest'
import { DetailError } from './errors'
import { parseBool, parseUint, ramInBytes } from './go-parse'
import type { Mount, MountSharing, MountType, RunDevice } from './types'

/** Expands one word (a mount value) with the RUN's environment. */
export type WordExpander = (word: string) => string

const MOUNT_TYPES: readonly MountType[] = ['bind', 'cache', 'tmpfs', 'secret', 'ssh']
const SHARING_MODES: readonly MountSharing[] = ['shared', 'private', 'locked']
const MOUNT_KEYS = [
  'type', 'from', 'source', 'target', 'readonly', 'id', 'sharing', 'required', 'size', 'mode', 'uid', 'gid',
  'src', 'dst', 'destination', 'ro', 'rw', 'readwrite', 'env',
]

/**
 * go-csvvalue Fields: one CSV record, `"` quoting with `""` escapes, no trimming. Throws the
 * encoding/csv error text (`parse error on line 1, column N: …`, N counted in bytes) or `EOF`.
 */
export function csvFields(input: string): string[] {
  let line = input.endsWith('\r\n') ? input.slice(0, -2) : input.endsWith('\n') ? input.slice(0, -1) : input
  if (line === '') throw new Error('EOF')
  const fail = (at: number, what: string) =>
    new Error(`parse error on line 1, column ${utf8Length(input.slice(0, at)) + 1}: ${what}`)
  const fields: string[] = []
  let pos = 0
  const appendToLast = (s: string) => {
    fields[fields.length - 1] += s
  }
  for (;;) {
    if (line === '' || line[0] !== '"') {
      const comma = line.indexOf(',')
      const field = comma >= 0 ? line.slice(0, comma) : line
      const quote = field.indexOf('"')
      if (quote >= 0) throw fail(pos + quote, 'bare " in non-quoted-field')
      fields.push(field)
      if (comma < 0) return fields
      line = line.slice(comma + 1)
      pos += comma + 1
      continue
    }
    line = line.slice(1)
    pos += 1
    let halfOpen = false
    for (;;) {
      const quote = line.indexOf('"')
      if (quote < 0) throw fail(pos, 'extraneous or missing " in quoted-field')
      if (halfOpen) appendToLast(line.slice(0, quote))
      else fields.push(line.slice(0, quote))
      line = line.slice(quote + 1)
      pos += quote + 1
      if (line[0] === '"') {
        appendToLast('"')
        line = line.slice(1)
        pos += 1
        halfOpen = true
      } else if (line[0] === ',') {
        line = line.slice(1)
        pos += 1
        break
      } else if (line === '') {
        return fields
      } else {
        throw fail(pos - 1, 'extraneous or missing " in quoted-field')
      }
    }
  }
}

function fieldsOf(spec: string, what: string): string[] {
  try {
    return csvFields(spec)
  } catch (err) {
    throw new DetailError(`failed to parse csv ${what}: ${(err as Error).message}`)
  }
}

type MutableMount = { -readonly [K in keyof Mount]: Mount[K] }

function setBool(key: string, value: string): boolean {
  const parsed = parseBool(value)
  if (parsed === null) throw new DetailError(`invalid value for ${key}: ${value}`)
  return parsed
}

function setUint(key: string, value: string, base: number): number {
  try {
    return parseUint(value, base, 32)
  } catch {
    throw new DetailError(`invalid value ${value} for ${key}`)
  }
}

/**
 * parseMount. Without an expander (parse time) only the CSV and `from=` are looked at and the
 * result is a bind mount with just `from` set; with one, every value is expanded and checked.
 */
export function parseMount(spec: string, expand: WordExpander | null): Mount {
  const m: MutableMount = {
    type: 'bind', from: null, source: null, target: null, readOnly: false, sizeLimit: null,
    cacheId: null, cacheSharing: null, required: false, env: null, mode: null, uid: null, gid: null,
  }
  let roAuto = true
  for (const field of fieldsOf(spec, 'mounts')) {
    const eq = field.indexOf('=')
    const key = goToLower(eq < 0 ? field : field.slice(0, eq))
    let value = eq < 0 ? '' : field.slice(eq + 1)
    if (eq < 0) {
      if (expand === null) continue // evaluated later
      if (key === 'readonly' || key === 'ro' || key === 'readwrite' || key === 'rw') {
        m.readOnly = key === 'readonly' || key === 'ro'
        roAuto = false
        continue
      }
      if (key === 'required' && (m.type === 'secret' || m.type === 'ssh')) {
        m.required = true
        continue
      }
      if (key === 'required') throw new DetailError(`unexpected key '${key}' for mount type '${m.type}'`)
      throw new DetailError(`invalid field '${field}' must be a key=value pair`)
    }
    if (expand !== null) {
      value = expand(value)
    } else if (key === 'from') {
      // A `$` that could start a variable; a trailing one cannot.
      const dollar = value.indexOf('$')
      if (dollar >= 0 && dollar !== value.length - 1) {
        throw new DetailError(`'${key}' doesn't support variable expansion, define alias stage instead`)
      }
    } else {
      continue
    }
    switch (key) {
      case 'type': {
        const type = goToLower(value) as MountType
        if (!MOUNT_TYPES.includes(type)) {
          throw new DetailError(withSuggestion(`unsupported mount type ${goQuote(value)}`, value, MOUNT_TYPES))
        }
        m.type = type
        break
      }
      case 'from':
        m.from = value
        break
      case 'source':
      case 'src':
        m.source = value
        break
      case 'target':
      case 'dst':
      case 'destination':
        m.target = value
        break
      case 'readonly':
      case 'ro':
        m.readOnly = setBool(key, value)
        roAuto = false
        break
      case 'readwrite':
      case 'rw':
        m.readOnly = !setBool(key, value)
        roAuto = false
        break
      case 'required':
        if (m.type !== 'secret' && m.type !== 'ssh') {
          throw new DetailError(`unexpected key '${key}' for mount type '${m.type}'`)
        }
        m.required = setBool(key, value)
        break
      case 'size': {
        if (m.type !== 'tmpfs') throw new DetailError(`unexpected key '${key}' for mount type '${m.type}'`)
        const size = ramInBytes(value)
        if (size === null) throw new DetailError(`invalid value for ${key}: ${value}`)
        m.sizeLimit = size
        break
      }
      case 'id':
        m.cacheId = value
        break
      case 'sharing': {
        const sharing = goToLower(value) as MountSharing
        if (!SHARING_MODES.includes(sharing)) {
          throw new DetailError(withSuggestion(`unsupported sharing value ${goQuote(value)}`, value, SHARING_MODES))
        }
        m.cacheSharing = sharing
        break
      }
      case 'mode':
        m.mode = setUint(key, value, 8)
        break
      case 'uid':
      case 'gid':
        m[key] = setUint(key, value, 10)
        break
      case 'env':
        m.env = value
        break
      default:
        throw new DetailError(withSuggestion(`unexpected key '${key}' in '${field}'`, key, MOUNT_KEYS))
    }
  }
  return validateMount(m, roAuto)
}

function validateMount(m: MutableMount, roAuto: boolean): Mount {
  // mode/uid/gid describe a file the mount creates: only secrets, ssh sockets and caches have one.
  if (m.type !== 'secret' && m.type !== 'ssh' && m.type !== 'cache') {
    for (const key of ['mode', 'uid', 'gid'] as const) {
      if (m[key] !== null) throw new DetailError(`${key} not allowed for ${goQuote(m.type)} type mounts`)
    }
  }
  if (roAuto) m.readOnly = m.type !== 'cache' && m.type !== 'tmpfs'
  if (m.type === 'secret') {
    if (m.from) throw new DetailError('secret mount should not have a from')
    if (m.cacheSharing) throw new DetailError('secret mount should not define sharing')
    if (!m.source && !m.target && !m.cacheId) {
      throw new DetailError('invalid secret mount. one of source, target required')
    }
    if (m.source && m.cacheId) throw new DetailError("both source and id can't be set")
  }
  if (m.cacheSharing && m.type !== 'cache') throw new DetailError(`invalid cache sharing set for ${m.type} mount`)
  return m
}

/** ParseDevice: `name[,required]`, `name=x,required=false`. */
export function parseDevice(spec: string): RunDevice {
  let name = ''
  let required = false
  for (const field of fieldsOf(spec, 'devices')) {
    const eq = field.indexOf('=')
    const key = goToLower(eq < 0 ? field : field.slice(0, eq))
    const value = eq < 0 ? '' : field.slice(eq + 1)
    if (eq < 0) {
      if (key === 'required') required = true
      else if (name === '') name = field
      else throw new DetailError(`invalid field '${field}' must be a key=value pair`)
      continue
    }
    if (key === 'name') {
      if (name !== '') throw new DetailError(`device name already set to ${name}`)
      name = value
    } else if (key === 'required') {
      required = setBool(key, value)
    } else if (name === '') {
      // CDI names such as `vendor.com/class=name` contain `=` themselves.
      name = field
    } else {
      throw new DetailError(withSuggestion(`unexpected key '${key}' in '${field}'`, key, ['name', 'required']))
    }
  }
  return { name, required }
}
