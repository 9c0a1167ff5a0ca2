// Reading a written layer back for comparisons: one row per tar member.

import { readFile } from 'node:fs/promises'
import { readLayer } from '../../layers'

export interface Row {
  readonly path: string
  readonly type: string
  readonly mode: string
  readonly owner: string
  /** Size for files, link target for links, '' otherwise. */
  readonly detail: string
}

export async function layerRows(blob: string | Buffer, opts: { withContent?: boolean } = {}): Promise<(Row & { content?: string })[]> {
  const data = typeof blob === 'string' ? await readFile(blob) : blob
  const rows: (Row & { content?: string })[] = []
  for await (const { header, body } of readLayer([data])) {
    const row: Row & { content?: string } = {
      path: header.name,
      type: header.type,
      mode: header.mode.toString(8).padStart(4, '0'),
      owner: `${header.uid}:${header.gid}`,
      detail: header.linkname ?? (header.type === 'file' ? String(header.size) : ''),
    }
    if (opts.withContent && header.type === 'file') {
      const chunks: Buffer[] = []
      for await (const c of body) chunks.push(c)
      row.content = Buffer.concat(chunks).toString('utf8')
    }
    rows.push(row)
  }
  return rows
}

/** Compact form for table-style expectations: `path type mode uid:gid detail`. */
export function compact(rows: readonly Row[]): string[] {
  return rows.map((r) => `${r.path} ${r.type} ${r.mode} ${r.owner}${r.detail === '' ? '' : ' ' + r.detail}`)
}
