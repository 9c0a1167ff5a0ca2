import { useMemo, useState } from 'react'
import type { ApiClient } from '../../shared/contract'
import type { ImageSelector } from '../../shared/layers-api'
import { formatSize } from '../../shared/format'
import { ErrorState } from '../components/error-state'
import { FileTreeView } from './file-tree-view'
import { LayerBar } from './layer-bar'
import { layerRows } from './layer-view-model'
import { LayerTable } from './layer-table'
import { selectorKey, useImageLayers, useLayerFiles } from './use-layers'
import { WasteSummary } from './waste-summary'

/**
 * An image, layer by layer: the stacked bar, the table and the selected layer's files. The image
 * is a build's, one in the store or one in the Docker daemon (the Images view).
 */
export function LayersPanel({ client, selector }: { client: ApiClient; selector: ImageSelector }) {
  const buildId = 'buildId' in selector ? selector.buildId : undefined
  const key = selectorKey(selector)
  const layers = useImageLayers(client, selector)
  const [selected, setSelected] = useState<number>()
  // Set when a wasted path is clicked: the layer's file tree opens filtered to its name.
  const [fileFilter, setFileFilter] = useState('')
  const select = (index: number): void => {
    setFileFilter('')
    setSelected(index)
  }
  const files = useLayerFiles(client, selector, selected)
  const rows = useMemo(() => (layers.status === 'ready' ? layerRows(layers.value) : []), [layers])

  if (layers.status === 'loading') return <p className="h-24 text-sm text-zinc-500">Reading the image’s layers…</p>
  if (layers.status === 'error') {
    return <ErrorState title={`Could not read ${buildId ? 'this build’s' : 'this image’s'} layers`} message={layers.message} />
  }
  const view = layers.value
  const selectedRow = selected === undefined ? undefined : rows[selected]
  return (
    <div className="flex flex-col gap-4" data-testid="layers-panel" data-build-id={buildId}>
      <section className="rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900">
        <header className="mb-2 flex items-baseline gap-3 text-xs text-zinc-500">
          <span className="text-sm font-semibold text-zinc-800 dark:text-zinc-100" data-testid="image-size">
            {formatSize(view.totalSize)}
          </span>
          <span>
            {view.layers.length} layer{view.layers.length === 1 ? '' : 's'} · <span className="font-mono">{view.image.slice(0, 19)}</span>
          </span>
          <span className="ml-auto flex items-center gap-3">
            <Legend tone="bg-emerald-500" label="rebuilt" />
            <Legend tone="bg-sky-400" label="cached" />
            <Legend tone="bg-zinc-400" label="base image" />
          </span>
        </header>
        {rows.length === 0 ? (
          <p className="text-sm text-zinc-500">This image has no layers: every step only changed its configuration.</p>
        ) : (
          <>
            <LayerBar rows={rows} selected={selected} onSelect={select} />
            <div className="mt-3">
              <LayerTable rows={rows} selected={selected} onSelect={select} />
            </div>
          </>
        )}
      </section>
      {rows.length > 0 && (
        <WasteSummary
          client={client}
          selector={selector}
          onOpen={(layer, filter) => {
            setFileFilter(filter)
            setSelected(layer)
          }}
        />
      )}
      {selectedRow && (
        <section className="flex flex-col gap-2" aria-label={`files of layer ${selectedRow.layer.index}`}>
          <h3 className="flex items-baseline gap-2 text-sm">
            <span className="font-semibold">Layer {selectedRow.layer.index}</span>
            <span className="truncate font-mono text-xs text-zinc-500">{selectedRow.instruction}</span>
          </h3>
          {files === undefined || files.status === 'loading' ? (
            <p className="h-24 text-sm text-zinc-500">Reading the layer’s files…</p>
          ) : files.status === 'error' ? (
            <ErrorState title="Could not read this layer’s files" message={files.message} />
          ) : (
            <FileTreeView key={`${key}#${files.value.index}#${fileFilter}`} tree={files.value} initialFilter={fileFilter} />
          )}
        </section>
      )}
      {!selectedRow && rows.length > 0 && <p className="text-xs text-zinc-500">Select a layer to see the files it adds, changes and removes.</p>}
    </div>
  )
}

function Legend({ tone, label }: { tone: string; label: string }) {
  return (
    <span className="flex items-center gap-1">
      <span className={`inline-block size-2.5 rounded-sm ${tone}`} />
      {label}
    </span>
  )
}
