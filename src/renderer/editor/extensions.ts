import { type CompletionContext, type CompletionResult } from '@codemirror/autocomplete'
import { StreamLanguage } from '@codemirror/language'
import { dockerFile } from '@codemirror/legacy-modes/mode/dockerfile'
import { linter, type Diagnostic } from '@codemirror/lint'
import { RangeSet, StateEffect, StateField, type EditorState, type Extension, type Text } from '@codemirror/state'
import { Decoration, EditorView, GutterMarker, gutter, hoverTooltip, type DecorationSet } from '@codemirror/view'
import { DockerfileLanguageServiceFactory } from 'dockerfile-language-service'
import type { EditorDiagnostic } from '../../shared/editor-api'
import { engineLintDiagnostics, lintNeedsRefresh, type LintFixHandlers } from './lint-diagnostics'
import { instructionStartLine, lspFromOffset, offsetFromLsp, plainSnippet, visibleRange, type StepMark } from './positions'

// dockerfile-ast checks for a UTF-8 BOM with Node's `Buffer.from(char, 'UTF-8')`; the browser
// has no Buffer, so give it the one call it makes (UTF-8 bytes of a string).
const scope = globalThis as { Buffer?: unknown }
scope.Buffer ??= { from: (text: string) => new TextEncoder().encode(text) }

const service = DockerfileLanguageServiceFactory.createLanguageService()
service.setCapabilities({ completion: { completionItem: { snippetSupport: false } }, hover: { contentFormat: ['plaintext'] } })

const dockerfileLanguage = StreamLanguage.define(dockerFile)

async function complete(context: CompletionContext): Promise<CompletionResult | null> {
  const doc = context.state.doc
  const word = context.matchBefore(/[\w-]*/)
  if (!context.explicit && (!word || word.from === word.to)) return null
  // The service's image-tag completion asks Docker Hub over Node's https, which the browser lacks.
  const items = await Promise.resolve(service.computeCompletionItems(doc.toString(), lspFromOffset(doc, context.pos))).catch(() => [])
  if (items.length === 0) return null
  let from = word?.from ?? context.pos
  const first = items[0]?.textEdit
  if (first && 'range' in first) from = offsetFromLsp(doc, first.range.start)
  return {
    from,
    options: items.map((item) => {
      const edit = item.textEdit && 'range' in item.textEdit ? item.textEdit.newText : undefined
      return {
        label: item.label,
        apply: plainSnippet(edit ?? item.insertText ?? item.label),
        ...(item.detail ? { detail: item.detail } : {}),
        type: item.kind === 14 ? 'keyword' : 'property',
      }
    }),
    validFor: /^[\w-]*$/,
  }
}

function hoverText(contents: unknown): string {
  if (typeof contents === 'string') return contents
  if (Array.isArray(contents)) return contents.map(hoverText).join('\n\n')
  if (contents && typeof contents === 'object' && 'value' in contents) return String((contents as { value: unknown }).value)
  return ''
}

const hover = hoverTooltip((view, pos) => {
  const doc = view.state.doc
  const found = service.computeHover(doc.toString(), lspFromOffset(doc, pos))
  const text = found ? hoverText(found.contents).trim() : ''
  if (!found || !text) return null
  const range = found.range
  return {
    pos: range ? offsetFromLsp(doc, range.start) : pos,
    ...(range ? { end: offsetFromLsp(doc, range.end) } : {}),
    above: true,
    create() {
      const dom = document.createElement('div')
      dom.className = 'cm-dockerfile-hover'
      dom.setAttribute('data-testid', 'editor-hover')
      dom.textContent = text
      return { dom }
    },
  }
})

/** Highlighting, completion and hover docs for Dockerfiles. */
export const dockerfileSupport: Extension = [dockerfileLanguage, dockerfileLanguage.data.of({ autocomplete: complete }), hover]

function serviceDiagnostics(doc: Text): Diagnostic[] {
  return service.validate(doc.toString()).map((d) => {
    const { from, to } = visibleRange(doc, offsetFromLsp(doc, d.range.start), offsetFromLsp(doc, d.range.end))
    // LSP severities: 1 error, 2 warning, 3 information, 4 hint.
    const severity = d.severity === 1 ? 'error' : d.severity === 2 ? 'warning' : 'info'
    return { from, to, severity, message: d.message, source: 'dockerfile-language-service' }
  })
}

/**
 * The language service's checks and the engine's (with the lint's measured costs and quick
 * fixes), 300 ms after the last edit.
 */
export function dockerfileLinter(check: (text: string) => Promise<readonly EditorDiagnostic[]>, fixes: LintFixHandlers = {}): Extension {
  return linter(
    async (view) => {
      const doc = view.state.doc
      const own = serviceDiagnostics(doc)
      const engine = await check(doc.toString()).then(
        (found) => engineLintDiagnostics(doc, found, fixes),
        () => [] as Diagnostic[],
      )
      return [...engine, ...own]
    },
    { delay: 300, needsRefresh: lintNeedsRefresh },
  )
}

class StepMarker extends GutterMarker {
  constructor(
    readonly mark: StepMark,
    readonly selected: boolean,
  ) {
    super()
  }
  override eq(other: GutterMarker): boolean {
    return (
      other instanceof StepMarker &&
      other.mark.status === this.mark.status &&
      other.mark.title === this.mark.title &&
      other.mark.line === this.mark.line &&
      other.selected === this.selected
    )
  }
  override toDOM(): Node {
    const dom = document.createElement('span')
    dom.className = `cm-step-mark cm-step-${this.mark.status}${this.selected ? ' cm-step-selected' : ''}`
    // Line 0 is the gutter's invisible spacer, which only sets its width.
    if (this.mark.line === 0) return dom
    dom.title = this.mark.title
    dom.setAttribute('data-testid', 'gutter-mark')
    dom.setAttribute('data-status', this.mark.status)
    dom.setAttribute('data-line', String(this.mark.line))
    dom.setAttribute('aria-label', this.mark.title)
    return dom
  }
}

export const setStepMarks = StateEffect.define<readonly StepMark[]>()
export const setSelectedLine = StateEffect.define<number | undefined>()

interface StepGutterState {
  marks: readonly StepMark[]
  selected: number | undefined
  markers: RangeSet<GutterMarker>
  lines: DecorationSet
}

function buildMarkers(doc: Text, marks: readonly StepMark[], selected: number | undefined): Pick<StepGutterState, 'markers' | 'lines'> {
  const inDoc = marks.filter((m) => m.line <= doc.lines)
  const markers = RangeSet.of(inDoc.map((m) => new StepMarker(m, m.line === selected).range(doc.line(m.line).from)))
  const lines =
    selected !== undefined && selected <= doc.lines
      ? Decoration.set([Decoration.line({ class: 'cm-selected-step' }).range(doc.line(selected).from)])
      : Decoration.none
  return { markers, lines }
}

const stepGutterState = StateField.define<StepGutterState>({
  create: () => ({ marks: [], selected: undefined, markers: RangeSet.empty, lines: Decoration.none }),
  update(value, tr) {
    let next = value
    if (tr.docChanged) next = { ...next, markers: next.markers.map(tr.changes), lines: next.lines.map(tr.changes) }
    let rebuild = false
    for (const effect of tr.effects) {
      if (effect.is(setStepMarks)) {
        next = { ...next, marks: effect.value }
        rebuild = true
      } else if (effect.is(setSelectedLine)) {
        next = { ...next, selected: effect.value }
        rebuild = true
      }
    }
    return rebuild ? { ...next, ...buildMarkers(tr.state.doc, next.marks, next.selected) } : next
  },
  provide: (field) => EditorView.decorations.from(field, (value) => value.lines),
})

/** Whether a build step is marked on this line (the line an instruction starts on). */
export function hasStepMark(state: EditorState, line: number): boolean {
  return state.field(stepGutterState).marks.some((m) => m.line === line)
}

/**
 * The cursor put on an instruction (by click or keys) selects its step, so the timeline can
 * reveal that row; moving within the selected instruction says nothing new.
 */
export function cursorSelectsStep(onSelect: (line: number) => void): Extension {
  return EditorView.updateListener.of((update) => {
    if (!update.selectionSet || !update.transactions.some((tr) => tr.isUserEvent('select'))) return
    const { state } = update
    const line = instructionStartLine(state.doc, state.doc.lineAt(state.selection.main.head).number)
    if (state.field(stepGutterState).selected !== line && hasStepMark(state, line)) onSelect(line)
  })
}

/** One mark per instruction line with the last build's status; a click selects that step's line. */
export function stepGutter(onSelect: (line: number) => void): Extension {
  return [
    stepGutterState,
    gutter({
      class: 'cm-step-gutter',
      markers: (view) => view.state.field(stepGutterState).markers,
      initialSpacer: () => new StepMarker({ line: 0, status: 'pending', title: '' }, false),
      domEventHandlers: {
        mousedown(view, block) {
          const line = view.state.doc.lineAt(block.from).number
          let marked = false
          view.state.field(stepGutterState).markers.between(block.from, block.from, () => {
            marked = true
          })
          if (!marked) return false
          onSelect(line)
          return true
        },
      },
    }),
  ]
}
