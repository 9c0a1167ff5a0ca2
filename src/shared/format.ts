const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB']

/**
 * Docker's size format (go-units HumanSize: decimal units, three significant digits), so the
 * numbers read the same as `docker images` and `docker history` beside them.
 */
export function formatSize(bytes: number): string {
  let size = bytes
  let unit = 0
  while (size >= 1000 && unit < units.length - 1) {
    size /= 1000
    unit++
  }
  return `${Number(size.toPrecision(3))}${units[unit]}`
}

/** A size change with its sign: `+3.58kB`, `-512B`, `0B`. */
export function formatSizeDelta(bytes: number): string {
  if (bytes === 0) return '0B'
  return `${bytes > 0 ? '+' : '-'}${formatSize(Math.abs(bytes))}`
}
