import { useState, type ReactNode } from 'react'
import type { ApiClient } from '../../shared/contract'
import type { ImageListEntry } from '../../shared/images-api'
import { CompareResult } from '../compare/compare-panel'
import { useCompare } from '../compare/use-compare'
import { selectorKey } from '../layers/use-layers'
import { imageSelector } from './image-list'

const entryKey = (image: ImageListEntry): string => `${image.source}:${image.ref}`

/**
 * The opened image against another listed one (an older tag, or the daemon's build of the same
 * Dockerfile): the same side-by-side table as two builds get in the Compare tab. Without a
 * comparison it shows `children` (the image's own layers).
 */
export function ImageCompare({ client, opened, others, children }: { client: ApiClient; opened: ImageListEntry; others: readonly ImageListEntry[]; children: ReactNode }) {
  const [withKey, setWithKey] = useState('')
  const other = others.find((image) => entryKey(image) === withKey)
  const pair = other ? { a: imageSelector(other), b: imageSelector(opened) } : undefined
  const state = useCompare(client, pair)
  return (
    <div className="flex flex-col gap-3" data-testid="image-compare">
      <label className="flex items-center gap-2 text-xs font-medium text-zinc-500">
        Compare with
        <select
          className="h-8 min-w-0 max-w-md flex-1 rounded-md border border-zinc-300 bg-white px-2 text-sm font-normal text-zinc-900 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
          value={withKey}
          onChange={(e) => setWithKey(e.target.value)}
          data-testid="image-compare-with"
        >
          <option value="">— no comparison: show this image’s layers —</option>
          {others.map((image) => (
            <option key={entryKey(image)} value={entryKey(image)}>
              {image.tags.length > 0 ? image.tags.join(', ') : image.ref}
            </option>
          ))}
        </select>
        {other && <span className="font-normal">A = {other.ref}, B = {opened.ref}</span>}
      </label>
      {pair ? <CompareResult state={state} pairKey={`${selectorKey(pair.a)}|${selectorKey(pair.b)}`} what={`${other?.ref ?? ''} and ${opened.ref}`} /> : children}
    </div>
  )
}
