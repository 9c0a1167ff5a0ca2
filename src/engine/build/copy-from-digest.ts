// The content digest of what `COPY --from=<stage>` selects in that stage's filesystem: what its
// cache key is made of, as in BuildKit (engine-reference §5.1: COPY is content-addressed on its
// sources). A source stage that re-runs but produces the same selected files (mtime aside) leaves
// the copy a cache hit. Keying by the stage's cache key, as before, rebuilt the copy after any
// change anywhere in the stage and explained it as "<source> changed", which was not true.
//
// The selection is rootfsItems', the very one the layer writer copies, so the key covers exactly
// what lands in the layer. Like contenthash (§5.2) the digest covers names, type, permission
// bits, owners, size, link target, device numbers, xattrs and content, never mtime. The bytes
// need not equal BuildKit's (the cache is private), only what is in them.

import { createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { canonicalJson, type SourceInput } from '../cache'
import type { CopyInstruction } from '../dockerfile'
import type { FileContent } from '../layers'
import type { RootfsView } from '../rootfs'
import type { SourceNode } from './copy/copy-source'
import { rootfsItems } from './copy/rootfs-source'

async function hashContent(content: FileContent | undefined, hash: Hash): Promise<void> {
  if (content === undefined) return
  if (content.from === 'bytes') {
    hash.update(content.bytes)
    return
  }
  const chunks = content.from === 'file' ? createReadStream(content.path) : content.open()
  for await (const chunk of chunks) hash.update(chunk as Uint8Array)
}

/** One record per node, parents before children, children in the order they are copied. */
async function nodeRecords(node: SourceNode, rel: string, out: unknown[]): Promise<void> {
  let content = ''
  if (node.type === 'file') {
    const hash = createHash('sha256')
    await hashContent(node.content, hash)
    content = hash.digest('hex')
  }
  const xattrs = Object.entries(node.xattrs ?? {})
    .map(([name, value]) => [name, Buffer.from(value).toString('hex')])
    .sort(([a = ''], [b = '']) => (a < b ? -1 : a > b ? 1 : 0))
  out.push([rel, node.type, node.mode, node.uid, node.gid, node.size, node.linkTarget ?? '', node.devMajor ?? 0, node.devMinor ?? 0, xattrs, content])
  for (const child of node.children ?? []) await nodeRecords(child, `${rel}/${child.name}`, out)
}

/**
 * One source input per source as written: its selector, and the digest of the items it selects
 * in `view` (the source stage's filesystem). A missing source fails here, as it would when copied.
 */
export async function rootfsSourceInputs(view: RootfsView, instruction: CopyInstruction): Promise<SourceInput[]> {
  const opts = { exclude: instruction.excludes, parents: instruction.parents }
  const inputs: SourceInput[] = []
  for (const selector of instruction.sources) {
    const records: unknown[] = []
    for (const item of await rootfsItems(view, [selector], opts)) await nodeRecords(item.root, item.name, records)
    const digest = 'sha256:' + createHash('sha256').update(canonicalJson(records), 'utf8').digest('hex')
    inputs.push({ selector, digest })
  }
  return inputs
}
