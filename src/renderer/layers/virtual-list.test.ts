import { createElement } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { VirtualList } from './virtual-list'

describe('VirtualList', () => {
  it('renders only the rows in view, inside a spacer as tall as all of them', () => {
    let rendered = 0
    const html = renderToStaticMarkup(
      createElement(VirtualList, {
        count: 100_000,
        rowHeight: 24,
        height: 420,
        overscan: 8,
        renderRow: (i: number) => {
          rendered++
          return createElement('span', null, `row ${i}`)
        },
      }),
    )
    expect(rendered).toBeLessThanOrEqual(Math.ceil(420 / 24) + 1 + 8)
    expect(html).toContain('height:2400000px')
    expect(html).toContain('row 0')
    expect(html).not.toContain('row 100')
  })
})
