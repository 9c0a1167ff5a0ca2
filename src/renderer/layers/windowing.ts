/** Which rows of a fixed-row-height list to render: the visible ones plus `overscan` each side. */
export interface WindowRange {
  /** First row to render. */
  start: number
  /** One past the last row to render. */
  end: number
}

export function windowRange(scrollTop: number, viewportHeight: number, rowHeight: number, count: number, overscan = 8): WindowRange {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 }
  const maxTop = Math.max(0, count * rowHeight - viewportHeight)
  const top = Math.min(Math.max(0, scrollTop), maxTop)
  const first = Math.floor(top / rowHeight)
  const visible = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1
  return { start: Math.max(0, first - overscan), end: Math.min(count, first + visible + overscan) }
}
