import type { ImageListEntry } from '../../shared/images-api'
import type { ImageSelector } from '../../shared/layers-api'

/** How the layer views ask for a listed image: by store reference or by daemon reference. */
export function imageSelector(entry: ImageListEntry): ImageSelector {
  return entry.source === 'docker' ? { daemonImage: entry.ref } : { image: entry.ref }
}

/** The images whose tags, reference or id contain every word of the filter, in list order. */
export function filterImages(images: readonly ImageListEntry[], filter: string): ImageListEntry[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean)
  if (words.length === 0) return [...images]
  return images.filter((image) => {
    const text = [image.ref, image.id, ...image.tags].join(' ').toLowerCase()
    return words.every((w) => text.includes(w))
  })
}

/** The id as `docker images` shows it: 12 hex digits without the algorithm. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12)
}

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600_000],
  ['month', 30 * 24 * 3600_000],
  ['week', 7 * 24 * 3600_000],
  ['day', 24 * 3600_000],
  ['hour', 3600_000],
  ['minute', 60_000],
]

/** `3 days ago`, as `docker images` says it; '' when the image says nothing. */
export function createdAgo(iso: string, now: number): string {
  const time = Date.parse(iso)
  if (!iso || Number.isNaN(time) || time <= 0) return ''
  const elapsed = now - time
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' })
  for (const [unit, ms] of units) {
    if (Math.abs(elapsed) >= ms) return format.format(-Math.round(elapsed / ms), unit)
  }
  return 'just now'
}
