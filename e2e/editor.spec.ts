import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from './serve-fixture'

let project: string
const dockerfile = 'FROM scratch\nCOPY app.txt /app/app.txt\nWORKDIR /app\nLABEL org.example.version=1\n'

test.beforeEach(async () => {
  project = await realpath(await mkdtemp(join(tmpdir(), 'layerlab-e2e-editor-')))
  // Content of its own, so other specs' builds in the same store cannot make the COPY a cache hit.
  await writeFile(join(project, 'app.txt'), `hello from ${project}\n`)
  await writeFile(join(project, 'Dockerfile'), dockerfile)
})

test.afterEach(async () => {
  await rm(project, { recursive: true, force: true })
})

test('edits the Dockerfile with diagnostics, saves it, and marks each instruction with its build status', async ({ page, served }, testInfo) => {
  await page.goto(served.url)
  await page.getByTestId('project-path').fill(project)
  await page.getByTestId('project-path').press('Enter')
  const editor = page.getByTestId('dockerfile-editor')
  const content = editor.locator('.cm-content')
  await expect(content).toContainText('COPY app.txt /app/app.txt')
  await expect(content).toContainText('LABEL org.example.version=1')
  await expect(editor.locator('.cm-lineNumbers .cm-gutterElement', { hasText: /^4$/ })).toBeVisible()

  // An unknown instruction on a new line 5: a diagnostic at that line.
  await editor.locator('.cm-line').nth(4).click()
  await page.keyboard.type('FOO bar')
  const lintOnLine5 = editor.locator('.cm-line').nth(4).locator('.cm-lintRange-error')
  await expect(lintOnLine5.first()).toBeVisible({ timeout: 10_000 })
  await expect(editor.locator('.cm-lintRange-error')).not.toHaveCount(0)

  // Fixed: the diagnostic goes; the edit reaches the disk.
  await page.keyboard.press('Home')
  await page.keyboard.press('Shift+End')
  await page.keyboard.type('LABEL fixed=yes')
  await expect(editor.locator('.cm-lintRange-error')).toHaveCount(0, { timeout: 10_000 })
  await page.keyboard.press('ControlOrMeta+s')
  await expect(page.getByTestId('editor-save-state')).toHaveAttribute('data-state', 'saved')
  await expect.poll(() => readFile(join(project, 'Dockerfile'), 'utf8')).toBe(`${dockerfile}LABEL fixed=yes`)

  // A build: one gutter mark per instruction line, with its status.
  await page.getByTestId('build-button').click()
  await expect(page.getByTestId('build-summary')).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 })
  const marks = editor.getByTestId('gutter-mark')
  await expect(marks).toHaveCount(5)
  const byLine = async (line: number) => editor.locator(`[data-testid="gutter-mark"][data-line="${line}"]`)
  await expect(await byLine(2)).toHaveAttribute('data-status', 'built')
  await expect(await byLine(2)).toHaveAttribute('title', /^Line 2: built — \S/)
  await expect(await byLine(3)).toHaveAttribute('data-status', 'built')
  await expect(await byLine(4)).toHaveAttribute('data-status', 'cached')
  await expect(await byLine(5)).toHaveAttribute('data-status', 'cached')

  // Selecting a step: from the gutter, and from the timeline.
  await (await byLine(3)).click()
  await expect(editor.locator('.cm-selected-step')).toHaveText('WORKDIR /app')
  await page.getByTestId('step-row').filter({ hasText: 'COPY app.txt /app/app.txt' }).getByTestId('step-line').click()
  await expect(editor.locator('.cm-selected-step')).toHaveText('COPY app.txt /app/app.txt')
  await page.screenshot({ path: testInfo.outputPath('editor.png') })
})
