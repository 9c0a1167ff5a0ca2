import { RangeSet, StateEffect, StateField, type Extension, type Text } from '@codemirror/state'
import { EditorView, GutterMarker, gutter } from '@codemirror/view'
import type { ForecastMark } from '../build/forecast-view'

// The cache forecast in its own gutter column, beside the last build's step marks: a mark on
// each instruction the next build will not take from the cache, its reason in the tooltip.

const glyph: Record<ForecastMark['status'], string> = { rebuild: '↻', uncertain: '?', pull: '↓', fail: '✕' }
const label: Record<ForecastMark['status'], string> = { rebuild: 'will rebuild', uncertain: 'may rebuild', pull: 'will pull', fail: 'will fail' }

class ForecastMarker extends GutterMarker {
  constructor(readonly mark: ForecastMark | undefined) {
    super()
  }
  override eq(other: GutterMarker): boolean {
    return other instanceof ForecastMarker && other.mark?.status === this.mark?.status && other.mark?.title === this.mark?.title && other.mark?.line === this.mark?.line
  }
  override toDOM(): Node {
    const dom = document.createElement('span')
    // Without a mark: the gutter's invisible spacer, which only sets its width.
    if (!this.mark) {
      dom.className = 'cm-forecast-mark'
      dom.textContent = glyph.rebuild
      dom.style.visibility = 'hidden'
      return dom
    }
    dom.className = `cm-forecast-mark cm-forecast-${this.mark.status}`
    dom.textContent = glyph[this.mark.status]
    dom.title = `Next build ${this.mark.title}`
    dom.setAttribute('data-testid', 'forecast-mark')
    dom.setAttribute('data-status', this.mark.status)
    dom.setAttribute('data-line', String(this.mark.line))
    dom.setAttribute('aria-label', `${label[this.mark.status]}: ${this.mark.title}`)
    return dom
  }
}

export const setForecastMarks = StateEffect.define<readonly ForecastMark[]>()

function markersFor(doc: Text, marks: readonly ForecastMark[]): RangeSet<GutterMarker> {
  return RangeSet.of(marks.filter((m) => m.line <= doc.lines).map((m) => new ForecastMarker(m).range(doc.line(m.line).from)))
}

const forecastState = StateField.define<RangeSet<GutterMarker>>({
  create: () => RangeSet.empty,
  update(markers, tr) {
    // Marks move with the text until the next forecast (for the edited text) replaces them.
    let next = tr.docChanged ? markers.map(tr.changes) : markers
    for (const effect of tr.effects) if (effect.is(setForecastMarks)) next = markersFor(tr.state.doc, effect.value)
    return next
  },
})

const forecastTheme = EditorView.baseTheme({
  '.cm-forecast-gutter .cm-gutterElement': { display: 'flex', alignItems: 'center', justifyContent: 'center', padding: '0 2px', cursor: 'help' },
  '.cm-forecast-mark': { fontSize: '11px', fontWeight: '700', lineHeight: '1' },
  '&light .cm-forecast-rebuild': { color: '#d97706' },
  '&dark .cm-forecast-rebuild': { color: '#fbbf24' },
  '&light .cm-forecast-uncertain': { color: '#71717a' },
  '&dark .cm-forecast-uncertain': { color: '#a1a1aa' },
  '&light .cm-forecast-pull': { color: '#0284c7' },
  '&dark .cm-forecast-pull': { color: '#38bdf8' },
  '&light .cm-forecast-fail': { color: '#dc2626' },
  '&dark .cm-forecast-fail': { color: '#f87171' },
})

/** The forecast column: set its marks with `setForecastMarks`. */
export function forecastGutter(): Extension {
  return [
    forecastState,
    gutter({
      class: 'cm-forecast-gutter',
      markers: (view) => view.state.field(forecastState),
      initialSpacer: () => new ForecastMarker(undefined),
    }),
    forecastTheme,
  ]
}
