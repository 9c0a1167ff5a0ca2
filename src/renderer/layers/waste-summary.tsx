import type { ImageWaste, WastedPath } from '../../shared/analysis-api'
import type { ApiClient } from '../../shared/contract'
import { formatSize } from '../../shared/format'
import type { ImageSelector } from '../../shared/layers-api'
import { selectorKey, useRequest, type Loadable } from './use-layers'

const SHOWN = 8

/** Asked again for a new image (or build), not for the same one. */
function useImageWaste(client: ApiClient, selector: ImageSelector): Loadable<ImageWaste> {
  return useRequest(selectorKey(selector), () => client.analyzeImage(selector)) ?? { status: 'loading' }
}

const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1)

function LayerLink({ layer, path, onOpen }: { layer: number; path: string; onOpen: (layer: number, filter: string) => void }) {
  return (
    <button
      type="button"
      className="rounded bg-zinc-100 px-1 font-mono text-[11px] text-sky-700 hover:underline dark:bg-zinc-800 dark:text-sky-400"
      title={`Show /${path} in layer ${layer}’s files`}
      onClick={() => onOpen(layer, baseName(path))}
      data-testid="waste-layer-link"
    >
      {layer}
    </button>
  )
}

function WastedRow({ item, onOpen }: { item: WastedPath; onOpen: (layer: number, filter: string) => void }) {
  const last = item.removedIn[item.removedIn.length - 1] ?? 0
  return (
    <li className="flex items-center gap-2 py-0.5 text-xs" data-testid="wasted-path" data-path={item.path}>
      <span className="w-16 shrink-0 text-right tabular-nums" data-testid="wasted-path-size">
        {formatSize(item.wastedBytes)}
      </span>
      <button
        type="button"
        className="min-w-0 truncate text-left font-mono text-sky-700 hover:underline dark:text-sky-400"
        title={`Show /${item.path} in the files of layer ${last}, which ${item.stillPresent ? 'overwrote' : 'deleted'} it`}
        onClick={() => onOpen(last, baseName(item.path))}
        data-testid="wasted-path-open"
      >
        /{item.path}
      </button>
      <span className="ml-auto flex shrink-0 items-center gap-1 text-zinc-500">
        written in {item.writtenIn.length === 1 ? 'layer' : 'layers'}{' '}
        {item.writtenIn.map((l) => <LayerLink key={`w${l}`} layer={l} path={item.path} onOpen={onOpen} />)}
        <span>· {item.stillPresent ? 'overwritten' : 'deleted'} in {item.removedIn.length === 1 ? 'layer' : 'layers'}</span>
        {item.removedIn.map((l) => <LayerLink key={`r${l}`} layer={l} path={item.path} onOpen={onOpen} />)}
        {item.unchangedRewrites > 0 && <span title="rewritten with the same bytes (chmod, chown, touch)">· same bytes</span>}
      </span>
    </li>
  )
}

/**
 * How much the image stores that nobody can see: the efficiency, the wasted bytes, the paths
 * responsible with the layers that wrote and removed them, and contents stored twice.
 */
export function WasteSummary({ client, selector, onOpen }: { client: ApiClient; selector: ImageSelector; onOpen: (layer: number, filter: string) => void }) {
  const state = useImageWaste(client, selector)
  const frame = 'rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900'
  if (state.status === 'loading') {
    return (
      <section className={`${frame} text-sm text-zinc-500`} data-testid="waste-summary" data-status="loading">
        Looking for wasted space…
      </section>
    )
  }
  if (state.status === 'error') {
    return (
      <section className={`${frame} text-sm text-red-700 dark:text-red-300`} data-testid="waste-summary" data-status="error" role="alert">
        Could not analyze this image’s wasted space: {state.message}
      </section>
    )
  }
  const waste = state.value
  const tone = waste.efficiency >= 0.95 ? 'text-emerald-700 dark:text-emerald-400' : waste.efficiency >= 0.8 ? 'text-amber-700 dark:text-amber-400' : 'text-red-700 dark:text-red-400'
  return (
    <section className={`${frame} flex flex-col gap-2`} data-testid="waste-summary" data-status="ready" aria-label="Wasted space">
      <header className="flex flex-wrap items-baseline gap-3 text-xs text-zinc-500">
        <span className="text-sm font-semibold text-zinc-800 dark:text-zinc-100">Wasted space</span>
        <span>
          efficiency{' '}
          <span className={`font-semibold ${tone}`} data-testid="waste-efficiency">
            {(waste.efficiency * 100).toFixed(1)}%
          </span>
        </span>
        <span>
          <span className="font-semibold text-zinc-800 dark:text-zinc-100" data-testid="waste-bytes" data-bytes={waste.wastedBytes}>
            {formatSize(waste.wastedBytes)}
          </span>{' '}
          wasted of {formatSize(waste.storedBytes)} file data
        </span>
        {waste.contentHashed && waste.duplicateBytes > 0 && <span data-testid="waste-duplicate-bytes">{formatSize(waste.duplicateBytes)} in duplicates</span>}
      </header>
      {waste.wastedPaths.length === 0 ? (
        <p className="text-xs text-zinc-500">No layer overwrites or deletes file data of a layer below it.</p>
      ) : (
        <ul aria-label="Wasted paths">
          {waste.wastedPaths.slice(0, SHOWN).map((item) => (
            <WastedRow key={item.path} item={item} onOpen={onOpen} />
          ))}
          {waste.wastedPathCount > SHOWN && <li className="text-xs text-zinc-500">… and {waste.wastedPathCount - SHOWN} more paths</li>}
        </ul>
      )}
      {!waste.contentHashed ? (
        <p className="text-xs text-zinc-500">Duplicates are not looked for in Docker daemon images (their file contents are not read).</p>
      ) : (
        waste.duplicates.length > 0 && (
          <div>
            <h4 className="text-xs font-medium text-zinc-600 dark:text-zinc-300">Same content in several layers</h4>
            <ul aria-label="Duplicate files">
              {waste.duplicates.slice(0, SHOWN).map((group) => (
                <li key={group.digest} className="flex flex-wrap items-center gap-2 py-0.5 text-xs" data-testid="duplicate-group">
                  <span className="w-16 shrink-0 text-right tabular-nums">
                    {formatSize(group.size)} ×{group.files.length}
                  </span>
                  {group.files.map((f) => (
                    <span key={`${f.layer}:${f.path}`} className="flex items-center gap-1 font-mono">
                      /{f.path} <LayerLink layer={f.layer} path={f.path} onOpen={onOpen} />
                    </span>
                  ))}
                </li>
              ))}
            </ul>
          </div>
        )
      )}
    </section>
  )
}
