import { useEffect, useMemo, useState } from 'react'
import type { ApiClient } from '../../shared/contract'
import type { DockerStatus } from '../../shared/engine-info'
import { formatSize } from '../../shared/format'
import type { ImageListEntry, ImageSource } from '../../shared/images-api'
import { ErrorState } from '../components/error-state'
import { LayersPanel } from '../layers/layers-panel'
import { selectorKey, type Loadable } from '../layers/use-layers'
import { ImageCompare } from './image-compare'
import { createdAgo, filterImages, imageSelector, shortId } from './image-list'

/** The list, and when it was read (what "3 days ago" counts from). */
type ImageListState = Loadable<ImageListEntry[]> & { at?: number }

function useImageList(client: ApiClient, source: ImageSource, generation: number): ImageListState {
  const [state, setState] = useState<{ key: string; value: ImageListState }>()
  const key = `${source}#${generation}`
  useEffect(() => {
    let live = true
    client.listImages({ source }).then(
      (images) => live && setState({ key, value: { status: 'ready', value: images, at: Date.now() } }),
      (error: unknown) => live && setState({ key, value: { status: 'error', message: (error as Error).message } }),
    )
    return () => {
      live = false
    }
  }, [client, source, key])
  return state?.key === key ? state.value : { status: 'loading' }
}

const sourceOption =
  'flex h-7 cursor-pointer items-center rounded-md px-3 text-xs font-medium has-[:checked]:bg-white has-[:checked]:text-zinc-900 has-[:checked]:shadow-sm has-[:disabled]:cursor-not-allowed has-[:disabled]:opacity-50 has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-sky-500 dark:has-[:checked]:bg-zinc-700 dark:has-[:checked]:text-zinc-50'

/**
 * The images in Layerlab's store or in the Docker daemon; one picked opens in the same layer
 * table, stacked bar and file tree as a build's image.
 */
export function ImagesPanel({ client, docker }: { client: ApiClient; docker: DockerStatus | undefined }) {
  const [source, setSource] = useState<ImageSource>('store')
  const [generation, setGeneration] = useState(0)
  const [filter, setFilter] = useState('')
  const [opened, setOpened] = useState<ImageListEntry>()
  const list = useImageList(client, source, generation)
  const shown = useMemo(() => (list.status === 'ready' ? filterImages(list.value, filter) : []), [list, filter])
  const dockerDown = docker !== undefined && !docker.available

  const radio = (value: ImageSource, label: string, disabled: boolean) => (
    <label className={sourceOption} data-testid={`images-source-option-${value}`} title={disabled && docker && !docker.available ? docker.reason : undefined}>
      <input
        type="radio"
        name="image-source"
        className="sr-only"
        checked={source === value}
        disabled={disabled}
        data-testid={`images-source-${value}`}
        onChange={() => {
          setSource(value)
          setOpened(undefined)
        }}
      />
      {label}
    </label>
  )

  return (
    <div className="flex flex-col gap-4" data-testid="images-panel" data-source={source}>
      <div className="flex h-8 items-center gap-3">
        <div role="radiogroup" aria-label="Where the images are" className="flex gap-1 rounded-lg bg-zinc-100 p-0.5 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">
          {radio('store', 'Layerlab store', false)}
          {radio('docker', 'Docker daemon', dockerDown)}
        </div>
        <input
          type="search"
          value={filter}
          placeholder="Filter by name or id"
          aria-label="Filter images"
          data-testid="images-filter"
          onChange={(e) => setFilter(e.target.value)}
          className="h-8 w-56 rounded-md border border-zinc-300 bg-white px-2 text-xs outline-none focus:border-sky-500 focus:ring-2 focus:ring-sky-500/30 dark:border-zinc-700 dark:bg-zinc-900"
        />
        <button
          type="button"
          onClick={() => setGeneration((g) => g + 1)}
          className="ml-auto h-8 rounded-md border border-zinc-300 px-3 text-xs font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
          data-testid="images-refresh"
        >
          Refresh
        </button>
      </div>
      {dockerDown && source === 'store' && (
        <p className="-mt-2 text-xs text-zinc-500">Docker daemon images show here once Docker is available: {docker.reason}.</p>
      )}
      <ImageList list={list} shown={shown} source={source} filter={filter} opened={opened} onOpen={setOpened} />
      {opened && (
        <section className="flex flex-col gap-2" aria-label={`layers of ${opened.ref}`} data-testid="opened-image">
          <h3 className="flex items-baseline gap-2 text-sm">
            <span className="font-semibold">{opened.ref}</span>
            <span className="text-xs text-zinc-500">{opened.source === 'docker' ? 'in the Docker daemon' : 'in Layerlab’s store'}</span>
          </h3>
          <OpenedImage key={selectorKey(imageSelector(opened))} client={client} opened={opened} listed={list.status === 'ready' ? list.value : []} />
        </section>
      )}
    </div>
  )
}

/** An opened image's layers, or its comparison with another listed image. */
function OpenedImage({ client, opened, listed }: { client: ApiClient; opened: ImageListEntry; listed: readonly ImageListEntry[] }) {
  const others = listed.filter((image) => image.ref !== opened.ref)
  const layers = <LayersPanel client={client} selector={imageSelector(opened)} />
  if (others.length === 0) return layers
  return (
    <ImageCompare client={client} opened={opened} others={others}>
      {layers}
    </ImageCompare>
  )
}

interface ImageListProps {
  list: ImageListState
  shown: ImageListEntry[]
  source: ImageSource
  filter: string
  opened: ImageListEntry | undefined
  onOpen: (image: ImageListEntry) => void
}

function ImageList({ list, shown, source, filter, opened, onOpen }: ImageListProps) {
  // A fixed height whatever the state or the number of images: opening one never moves the list.
  const box = 'flex h-56 flex-col overflow-hidden rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900'
  if (list.status === 'loading') {
    return (
      <div className={`${box} items-center justify-center text-sm text-zinc-500`} data-testid="images-loading">
        {source === 'docker' ? 'Asking the Docker daemon for its images…' : 'Reading the store’s images…'}
      </div>
    )
  }
  if (list.status === 'error') {
    const title = source === 'docker' ? 'Could not list the Docker daemon’s images' : 'Could not list the store’s images'
    return <ErrorState title={title} message={`${list.message}${source === 'docker' ? ' — start Docker or set DOCKER_HOST, then Refresh.' : ''}`} />
  }
  if (list.value.length === 0) {
    return (
      <div className={`${box} items-center justify-center gap-1 border-dashed px-6 text-center text-sm text-zinc-500`} data-testid="images-empty">
        <p className="font-medium text-zinc-700 dark:text-zinc-300">{source === 'docker' ? 'The Docker daemon has no images' : 'No images in Layerlab’s store yet'}</p>
        <p>
          {source === 'docker'
            ? 'Pull one with docker pull busybox, or build a project with the Docker backend, then Refresh.'
            : 'Build a project, or add one with layerlab pull busybox or layerlab load, then Refresh.'}
        </p>
      </div>
    )
  }
  const now = list.at ?? 0
  return (
    <div className={box}>
      <div className="grid h-7 shrink-0 grid-cols-[minmax(0,1fr)_7rem_5rem_7rem_4rem] items-center gap-3 border-b border-zinc-200 px-3 text-[11px] font-medium uppercase tracking-wide text-zinc-500 dark:text-zinc-400 dark:border-zinc-800">
        <span>image</span>
        <span>id</span>
        <span className="text-right">size</span>
        <span>created</span>
        <span className="text-right">layers</span>
      </div>
      <ul className="min-h-0 flex-1 overflow-y-auto" data-testid="image-list">
        {shown.length === 0 && <li className="p-3 text-sm text-zinc-500">No image matches “{filter}”.</li>}
        {shown.map((image) => {
          const active = opened?.source === image.source && opened.ref === image.ref
          return (
            <li key={`${image.ref}#${image.id}`}>
              <button
                type="button"
                onClick={() => onOpen(image)}
                aria-pressed={active}
                data-testid="image-row"
                data-ref={image.ref}
                className={`grid h-8 w-full grid-cols-[minmax(0,1fr)_7rem_5rem_7rem_4rem] items-center gap-3 border-b border-zinc-100 px-3 text-left text-sm last:border-b-0 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-zinc-800 ${
                  active ? 'bg-sky-50 dark:bg-sky-950/50' : 'hover:bg-zinc-50 dark:hover:bg-zinc-800/60'
                }`}
              >
                <span className="truncate font-mono text-xs" title={image.tags.join(', ') || image.id}>
                  {image.tags.length > 0 ? image.tags.join(', ') : <span className="text-zinc-400">&lt;untagged&gt;</span>}
                </span>
                <span className="font-mono text-xs text-zinc-500" title={image.id}>
                  {shortId(image.id)}
                </span>
                <span className="text-right text-xs tabular-nums" data-testid="image-size">
                  {formatSize(image.size)}
                </span>
                <span className="truncate text-xs text-zinc-500" title={image.created}>
                  {createdAgo(image.created, now)}
                </span>
                <span className="text-right text-xs tabular-nums text-zinc-500">{image.layers ?? ''}</span>
              </button>
            </li>
          )
        })}
      </ul>
    </div>
  )
}
