import { createElement, useState, type ReactNode } from 'react'
import { windowRange } from './windowing'

// Plain createElement rather than JSX so the tooling project (no JSX) can render it in a unit test.

interface VirtualListProps {
  count: number
  /** Every row is exactly this tall (px). */
  rowHeight: number
  /** The viewport's height (px). */
  height: number
  overscan?: number
  renderRow: (index: number) => ReactNode
  /** Scrolls back to the top whenever this changes (new data, another filter). */
  resetKey?: string
  className?: string
  'data-testid'?: string
  'aria-label'?: string
}

/**
 * A list that renders only the rows in view (plus a few either side) inside a spacer as tall as
 * all of them, so 100,000 rows scroll as smoothly as 100.
 */
export function VirtualList({ count, rowHeight, height, overscan = 8, renderRow, resetKey = '', className = '', ...rest }: VirtualListProps) {
  const [scroll, setScroll] = useState({ top: 0, key: resetKey })
  const scrollTop = scroll.key === resetKey ? scroll.top : 0
  const { start, end } = windowRange(scrollTop, height, rowHeight, count, overscan)
  const rows: ReactNode[] = []
  for (let i = start; i < end; i++) {
    rows.push(
      createElement(
        'div',
        { key: i, role: 'listitem', style: { position: 'absolute', top: i * rowHeight, left: 0, right: 0, height: rowHeight } },
        renderRow(i),
      ),
    )
  }
  return createElement(
    'div',
    {
      role: 'list',
      className: `relative overflow-auto ${className}`,
      style: { height },
      onScroll: (e: { currentTarget: HTMLDivElement }) => setScroll({ top: e.currentTarget.scrollTop, key: resetKey }),
      ref: (el: HTMLDivElement | null) => {
        if (el && scroll.key !== resetKey && el.scrollTop !== 0) el.scrollTop = 0
      },
      'data-testid': rest['data-testid'],
      'aria-label': rest['aria-label'],
      'data-rows': count,
    },
    createElement('div', { style: { height: count * rowHeight, position: 'relative' } }, rows),
  )
}
