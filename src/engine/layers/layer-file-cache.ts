import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { isLayerFileTable, type LayerFileTable } from '../../shared/layer-file-table'

const FORMAT = 'layerlab-layer-files/1'

/**
 * A layer's changed paths depend on the layer and on every layer below it, and on nothing else:
 * the table is cached by the chain of diffIDs from the base up, one file per chain, in a
 * directory of derived data (deleting it only costs a re-diff). A file is used only when its
 * header names the very chain asked for and its body hashes to the digest the header records;
 * anything else (a torn write, a bit flip, another format) is diffed again and rewritten.
 *
 * File: one JSON header line `{format, chain, sha256}`, then the table as JSON.
 */
export class LayerFileCache {
  constructor(readonly dir: string) {}

  fileOf(chain: readonly string[]): string {
    return path.join(this.dir, `${createHash('sha256').update(chain.join('\n')).digest('hex')}.json`)
  }

  /** The cached table, or undefined when there is none or it cannot be trusted. */
  async read(chain: readonly string[]): Promise<LayerFileTable | undefined> {
    let text: string
    try {
      text = await readFile(this.fileOf(chain), 'utf8')
    } catch {
      return undefined
    }
    const newline = text.indexOf('\n')
    if (newline < 0) return undefined
    try {
      const header = JSON.parse(text.slice(0, newline)) as { format?: unknown; chain?: unknown; sha256?: unknown }
      const body = text.slice(newline + 1)
      if (header.format !== FORMAT || !Array.isArray(header.chain) || header.chain.join('\n') !== chain.join('\n')) return undefined
      if (header.sha256 !== createHash('sha256').update(body).digest('hex')) return undefined
      const table: unknown = JSON.parse(body)
      if (!isLayerFileTable(table) || table.diffId !== chain[chain.length - 1] || table.index !== chain.length - 1) return undefined
      return table
    } catch {
      return undefined
    }
  }

  /** Best effort (a read-only store still answers, only slower): written whole, then renamed into place. */
  async write(chain: readonly string[], table: LayerFileTable): Promise<void> {
    const file = this.fileOf(chain)
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`
    try {
      const body = JSON.stringify(table)
      const header = JSON.stringify({ format: FORMAT, chain, sha256: createHash('sha256').update(body).digest('hex') })
      await mkdir(this.dir, { recursive: true })
      await writeFile(temp, `${header}\n${body}`)
      await rename(temp, file)
    } catch {
      await rm(temp, { force: true }).catch(() => undefined)
    }
  }
}
