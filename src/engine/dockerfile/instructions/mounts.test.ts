import { describe, expect, it } from 'vitest'
import { DetailError } from './errors'
import { csvFields, parseDevice, parseMount } from './mounts'
import type { WordExpander } from './mounts'

const literal: WordExpander = (word) => word
const env: Record<string, string> = { CACHE: '/root/.cache', ID: 'go-build', EMPTY: '' }
const vars: WordExpander = (word) => word.replace(/\$(\w+)/g, (_, name: string) => env[name] ?? '')

function mountError(spec: string, expand: WordExpander | null = literal): string {
  try {
    parseMount(spec, expand)
  } catch (err) {
    expect(err).toBeInstanceOf(DetailError)
    return (err as Error).message
  }
  throw new Error(`no error for ${spec}`)
}

describe('csvFields (go-csvvalue)', () => {
  it('splits on commas, honours quotes and "" escapes', () => {
    expect(csvFields('a,b,,c')).toEqual(['a', 'b', '', 'c'])
    expect(csvFields('a,')).toEqual(['a', ''])
    expect(csvFields('"a,b",c')).toEqual(['a,b', 'c'])
    expect(csvFields('"say ""hi""",x')).toEqual(['say "hi"', 'x'])
    expect(csvFields('a\n')).toEqual(['a'])
  })
  it('fails like encoding/csv, counting columns in bytes', () => {
    expect(() => csvFields('')).toThrow('EOF')
    expect(() => csvFields('ab"c')).toThrow('parse error on line 1, column 3: bare " in non-quoted-field')
    expect(() => csvFields('é"')).toThrow('parse error on line 1, column 3: bare " in non-quoted-field')
    expect(() => csvFields('"a"b')).toThrow('parse error on line 1, column 3: extraneous or missing " in quoted-field')
    expect(() => csvFields('"ab')).toThrow('parse error on line 1, column 2: extraneous or missing " in quoted-field')
  })
})

describe('parseMount at parse time (no expander)', () => {
  it('only reads from=, leaving a read-only bind mount', () => {
    expect(parseMount('type=cache,from=build,target=$CACHE,sharing=nonsense', null)).toMatchObject({
      type: 'bind',
      from: 'build',
      target: null,
      readOnly: true,
    })
  })
  it('refuses variables in from=', () => {
    expect(mountError('from=${X}', null)).toBe("'from' doesn't support variable expansion, define alias stage instead")
    expect(mountError('FROM=a$b', null)).toBe("'from' doesn't support variable expansion, define alias stage instead")
  })
})

describe('parseMount when dispatched', () => {
  it('expands values and applies per-type defaults', () => {
    expect(parseMount('type=cache,target=$CACHE,id=$ID,sharing=LOCKED,mode=0755,uid=1000', vars)).toEqual({
      type: 'cache', from: null, source: null, target: '/root/.cache', readOnly: false, sizeLimit: null,
      cacheId: 'go-build', cacheSharing: 'locked', required: false, env: null, mode: 0o755, uid: 1000, gid: null,
    })
    expect(parseMount('target=/src', literal)).toMatchObject({ type: 'bind', readOnly: true })
    expect(parseMount('type=bind,target=/src,rw', literal)).toMatchObject({ readOnly: false })
    expect(parseMount('Type=TMPFS,dst=/tmp,size=64m', literal)).toMatchObject({ type: 'tmpfs', readOnly: false, sizeLimit: 64 * 1024 * 1024 })
    expect(parseMount('type=secret,id=npmrc,target=/root/.npmrc,required', literal)).toMatchObject({ required: true, readOnly: true })
    expect(parseMount('type=secret,id=token,env=TOKEN', literal)).toMatchObject({ env: 'TOKEN', target: null })
    expect(parseMount('type=ssh,required=false,readonly=false', literal)).toMatchObject({ type: 'ssh', required: false, readOnly: false })
  })
  it('gives BuildKit its errors', () => {
    expect(mountError('type=bnd')).toBe('unsupported mount type "bnd" (did you mean bind?)')
    expect(mountError('type=cache,sharing=shard')).toBe('unsupported sharing value "shard" (did you mean shared?)')
    expect(mountError('type=cache,taget=/x')).toBe("unexpected key 'taget' in 'taget=/x' (did you mean target?)")
    expect(mountError('type=cache,target')).toBe("invalid field 'target' must be a key=value pair")
    expect(mountError('required')).toBe("unexpected key 'required' for mount type 'bind'")
    expect(mountError('required=true,type=secret,id=x')).toBe("unexpected key 'required' for mount type 'bind'")
    expect(mountError('type=cache,size=1m')).toBe("unexpected key 'size' for mount type 'cache'")
    expect(mountError('type=tmpfs,size=lots')).toBe('invalid value for size: lots')
    expect(mountError('type=bind,ro=maybe')).toBe('invalid value for ro: maybe')
    expect(mountError('type=cache,mode=0999')).toBe('invalid value 0999 for mode')
    expect(mountError('type=cache,uid=-1')).toBe('invalid value -1 for uid')
    expect(mountError('type=bind,mode=0600')).toBe('mode not allowed for "bind" type mounts')
    expect(mountError('type=tmpfs,gid=1')).toBe('gid not allowed for "tmpfs" type mounts')
    expect(mountError('type=secret,from=x,id=a')).toBe('secret mount should not have a from')
    expect(mountError('type=secret,sharing=locked,id=a')).toBe('secret mount should not define sharing')
    expect(mountError('type=secret')).toBe('invalid secret mount. one of source, target required')
    expect(mountError('type=secret,src=a,id=b')).toBe("both source and id can't be set")
    expect(mountError('type=bind,sharing=locked')).toBe('invalid cache sharing set for bind mount')
  })
  it('lets an expansion yield the type, and checks the result', () => {
    const t: WordExpander = (w) => (w === '$T' ? 'cache' : w)
    expect(parseMount('type=$T,target=/c', t)).toMatchObject({ type: 'cache', readOnly: false })
  })
})

describe('parseDevice', () => {
  it('reads a CDI name and required', () => {
    expect(parseDevice('vendor.com/gpu=all')).toEqual({ name: 'vendor.com/gpu=all', required: false })
    expect(parseDevice('name=gpu,required')).toEqual({ name: 'gpu', required: true })
    expect(parseDevice('gpu,required=false')).toEqual({ name: 'gpu', required: false })
  })
  it('refuses a second name and unknown keys', () => {
    expect(() => parseDevice('a,b')).toThrow("invalid field 'b' must be a key=value pair")
    expect(() => parseDevice('a,name=b')).toThrow('device name already set to a')
    expect(() => parseDevice('a,nmae=b')).toThrow("unexpected key 'nmae' in 'nmae=b' (did you mean name?)")
    expect(() => parseDevice('')).toThrow('failed to parse csv devices: EOF')
  })
})
