import type { Action, Diagnostic } from '@codemirror/lint'
import { StateEffect, type Text } from '@codemirror/state'
import type { EditorView, ViewUpdate } from '@codemirror/view'
import type { EditorDiagnostic, EditorFix } from '../../shared/editor-api'
import { offsetFromEngine, visibleRange } from './positions'

/**
 * Asks the linter to check again although the text did not change: a build finished (new costs
 * to measure) or a .dockerignore was written.
 */
export const refreshLint = StateEffect.define<null>()

/** The linter's `needsRefresh`: true for a transaction that carries `refreshLint`. */
export function lintNeedsRefresh(update: ViewUpdate): boolean {
  return update.transactions.some((tr) => tr.effects.some((e) => e.is(refreshLint)))
}

/** What a quick fix that is not a text edit needs from the app. */
export interface LintFixHandlers {
  /** Writes a new file in the project (the .dockerignore fix); rejects when it cannot. */
  createFile?: (file: { path: string; text: string }) => Promise<void>
}

/** The CodeMirror changes of a fix, in offsets of `doc` (the text the engine checked). */
export function fixChanges(doc: Text, fix: EditorFix): { from: number; to: number; insert: string }[] {
  return fix.edits.map((e) => ({ from: offsetFromEngine(doc, e.range.start), to: offsetFromEngine(doc, e.range.end), insert: e.text }))
}

/** The message with its measured cost, as the lint panel and tooltip show it. */
export function diagnosticText(d: EditorDiagnostic): string {
  return d.cost ? `${d.message} — measured: ${d.cost.text}` : d.message
}

function renderMessage(d: EditorDiagnostic): () => Node {
  return () => {
    const dom = document.createElement('span')
    dom.setAttribute('data-testid', 'lint-message')
    if (d.rule) dom.setAttribute('data-rule', d.rule)
    dom.append(d.message)
    if (d.cost) {
      const cost = document.createElement('span')
      cost.className = 'cm-lint-cost'
      cost.setAttribute('data-testid', 'lint-cost')
      if (d.cost.bytes !== undefined) cost.setAttribute('data-bytes', String(d.cost.bytes))
      cost.textContent = ` — measured: ${d.cost.text}`
      dom.append(cost)
    }
    return dom
  }
}

function action(doc: Text, fix: EditorFix, handlers: LintFixHandlers): Action {
  return {
    name: fix.title,
    apply(view: EditorView) {
      const file = fix.createFile
      if (file) {
        void handlers.createFile?.(file).then(
          // The .dockerignore changes the findings: ask again.
          () => view.dispatch({ effects: refreshLint.of(null) }),
          () => undefined,
        )
        return
      }
      // The edits are for the text that was checked; after another edit they would land wrong.
      if (view.state.doc !== doc) return
      view.dispatch({ changes: fixChanges(doc, fix), userEvent: 'input.lintfix' })
    },
  }
}

/** The engine's findings as CodeMirror diagnostics: ranges, cost in the message, fixes as actions. */
export function engineLintDiagnostics(doc: Text, found: readonly EditorDiagnostic[], handlers: LintFixHandlers = {}): Diagnostic[] {
  return found.map((d) => {
    const { from, to } = visibleRange(doc, offsetFromEngine(doc, d.range.start), offsetFromEngine(doc, d.range.end))
    const fixes = (d.fixes ?? []).filter((f) => !f.createFile || handlers.createFile)
    return {
      from,
      to,
      severity: d.severity,
      message: diagnosticText(d),
      renderMessage: renderMessage(d),
      source: d.rule ? `layerlab (${d.rule})` : 'layerlab',
      ...(fixes.length > 0 ? { actions: fixes.map((f) => action(doc, f, handlers)) } : {}),
    }
  })
}
