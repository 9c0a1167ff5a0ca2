import { HighlightStyle, syntaxHighlighting } from '@codemirror/language'
import { Compartment, type Extension } from '@codemirror/state'
import { EditorView, ViewPlugin } from '@codemirror/view'
import { tags } from '@lezer/highlight'

/**
 * The editor's colours, following the app's theme: the app is dark when the system asks for it
 * (Tailwind's `dark:` is `prefers-color-scheme`), so the editor listens to the same query and
 * swaps its theme and highlighting when it changes. Colours are Tailwind's palette, chosen for
 * contrast on the editor's white and zinc-900 backgrounds.
 */

const lightHighlight = HighlightStyle.define([
  { tag: tags.keyword, color: '#7c3aed', fontWeight: '600' },
  { tag: tags.string, color: '#047857' },
  { tag: tags.number, color: '#b45309' },
  { tag: tags.comment, color: '#71717a', fontStyle: 'italic' },
  { tag: [tags.variableName, tags.special(tags.variableName)], color: '#0369a1' },
  { tag: tags.invalid, color: '#b91c1c', textDecoration: 'underline wavy' },
])

const darkHighlight = HighlightStyle.define(
  [
    { tag: tags.keyword, color: '#c4b5fd', fontWeight: '600' },
    { tag: tags.string, color: '#6ee7b7' },
    { tag: tags.number, color: '#fcd34d' },
    { tag: tags.comment, color: '#a1a1aa', fontStyle: 'italic' },
    { tag: [tags.variableName, tags.special(tags.variableName)], color: '#7dd3fc' },
    { tag: tags.invalid, color: '#fca5a5', textDecoration: 'underline wavy' },
  ],
  { themeType: 'dark' },
)

/** Shared by both: layout, the step gutter's marks and the hover box. */
const baseTheme = EditorView.theme({
  '&': { height: '100%', fontSize: '13px', backgroundColor: 'transparent' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace' },
  '.cm-gutters': { backgroundColor: 'transparent' },
  '.cm-step-gutter .cm-gutterElement': { display: 'flex', alignItems: 'center', justifyContent: 'center', padding: '0 4px', cursor: 'pointer' },
  '.cm-step-mark': { display: 'inline-block', width: '9px', height: '9px', borderRadius: '9999px', border: '1px solid transparent' },
  '.cm-step-cached': { backgroundColor: '#0ea5e9' },
  '.cm-step-built': { backgroundColor: '#10b981' },
  '.cm-step-failed': { backgroundColor: '#ef4444' },
  '.cm-step-not-run': { backgroundColor: 'transparent', borderColor: '#a1a1aa' },
  '.cm-step-running': { backgroundColor: '#f59e0b' },
  '.cm-step-pending': { backgroundColor: 'transparent', borderStyle: 'dashed' },
  '.cm-dockerfile-hover': { maxWidth: '28rem', padding: '6px 8px', whiteSpace: 'pre-wrap', fontSize: '12px' },
  '.cm-tooltip': { borderRadius: '6px', overflow: 'hidden' },
  '.cm-diagnostic': { fontSize: '12px' },
})

const lightTheme = EditorView.theme({
  '&': { color: '#18181b' },
  '.cm-gutters': { color: '#a1a1aa', borderRight: '1px solid #e4e4e7' },
  '.cm-activeLine': { backgroundColor: 'rgb(244 244 245 / 0.7)' },
  '.cm-activeLineGutter': { backgroundColor: 'rgb(244 244 245 / 0.9)', color: '#52525b' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: '#bae6fd' },
  '.cm-cursor': { borderLeftColor: '#18181b' },
  '.cm-step-pending': { borderColor: '#d4d4d8' },
  '.cm-step-selected': { outline: '2px solid #0284c7', outlineOffset: '1px' },
  '.cm-selected-step': { backgroundColor: 'rgb(14 165 233 / 0.12)' },
  '.cm-tooltip': { backgroundColor: '#ffffff', color: '#18181b', border: '1px solid #d4d4d8', boxShadow: '0 4px 12px rgb(0 0 0 / 0.08)' },
  '.cm-tooltip-autocomplete ul li[aria-selected]': { backgroundColor: '#0284c7', color: '#ffffff' },
  '.cm-panels': { backgroundColor: '#fafafa', color: '#18181b' },
})

const darkTheme = EditorView.theme(
  {
    '&': { color: '#e4e4e7' },
    '.cm-content': { caretColor: '#f4f4f5' },
    '.cm-gutters': { color: '#71717a', borderRight: '1px solid #3f3f46' },
    '.cm-activeLine': { backgroundColor: 'rgb(39 39 42 / 0.6)' },
    '.cm-activeLineGutter': { backgroundColor: 'rgb(39 39 42 / 0.8)', color: '#d4d4d8' },
    '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: '#075985' },
    '.cm-cursor': { borderLeftColor: '#f4f4f5' },
    '.cm-matchingBracket': { backgroundColor: '#3f3f46', color: '#f4f4f5' },
    '.cm-step-not-run': { borderColor: '#71717a' },
    '.cm-step-pending': { borderColor: '#52525b' },
    '.cm-step-selected': { outline: '2px solid #38bdf8', outlineOffset: '1px' },
    '.cm-selected-step': { backgroundColor: 'rgb(56 189 248 / 0.14)' },
    '.cm-tooltip': { backgroundColor: '#27272a', color: '#f4f4f5', border: '1px solid #52525b', boxShadow: '0 4px 12px rgb(0 0 0 / 0.4)' },
    '.cm-tooltip-autocomplete ul li[aria-selected]': { backgroundColor: '#0369a1', color: '#ffffff' },
    '.cm-completionDetail': { color: '#a1a1aa' },
    '.cm-diagnostic-error': { borderLeftColor: '#f87171' },
    '.cm-diagnostic-warning': { borderLeftColor: '#fbbf24' },
    '.cm-diagnostic-info': { borderLeftColor: '#38bdf8' },
    '.cm-lintRange-error': { backgroundImage: wavy('#f87171') },
    '.cm-lintRange-warning': { backgroundImage: wavy('#fbbf24') },
    '.cm-panels': { backgroundColor: '#18181b', color: '#e4e4e7' },
    '.cm-textfield': { backgroundColor: '#27272a', color: '#f4f4f5', border: '1px solid #52525b' },
    '.cm-button': { backgroundImage: 'none', backgroundColor: '#3f3f46', color: '#f4f4f5', border: '1px solid #52525b' },
  },
  { dark: true },
)

/** CodeMirror's squiggle, in a colour that reads on a dark background. */
function wavy(color: string): string {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="6" height="3"><path d="m0 2.5 l2 -1.5 l1 0 l2 1.5 l1 0" stroke="${color}" fill="none" stroke-width=".9"/></svg>`
  return `url('data:image/svg+xml,${encodeURIComponent(svg)}')`
}

const darkQuery = '(prefers-color-scheme: dark)'

function themeFor(dark: boolean): Extension {
  return dark ? [darkTheme, syntaxHighlighting(darkHighlight)] : [lightTheme, syntaxHighlighting(lightHighlight)]
}

function prefersDark(): boolean {
  return typeof matchMedia === 'function' && matchMedia(darkQuery).matches
}

/** The editor's theme, light or dark as the app is, switching live when the system's changes. */
export function appTheme(): Extension {
  const mode = new Compartment()
  const follow = ViewPlugin.define((view) => {
    const query = typeof matchMedia === 'function' ? matchMedia(darkQuery) : undefined
    const onChange = (event: MediaQueryListEvent): void => view.dispatch({ effects: mode.reconfigure(themeFor(event.matches)) })
    query?.addEventListener('change', onChange)
    return { destroy: () => query?.removeEventListener('change', onChange) }
  })
  return [baseTheme, mode.of(themeFor(prefersDark())), follow]
}
