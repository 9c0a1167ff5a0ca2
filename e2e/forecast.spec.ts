import { cp, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from '@playwright/test'
import { serviceOrSkip } from '../scripts/require-service'
import { expect, test } from './serve-fixture'

// The cache forecast in the UI: the web-app example is built, then a context file and the
// Dockerfile are edited; before Build is pressed the editor marks the lines that will rebuild
// (reason on hover) and the timeline says the same, and the build then rebuilds those steps.
// FROM busybox comes from the test services' Docker daemon (scripts/with-services.ts).
const dockerHost = serviceOrSkip('docker')
const example = fileURLToPath(new URL('../resources/examples/web-app', import.meta.url))
let project: string

test.beforeEach(async () => {
  project = await realpath(await mkdtemp(join(tmpdir(), 'layerlab-e2e-forecast-')))
  await cp(example, project, { recursive: true })
  // Content of its own, so other specs' builds in the same store cannot make the COPY a hit.
  await writeFile(join(project, 'public/index.html'), `<h1>forecast ${project}</h1>\n`)
})

test.afterEach(async () => {
  await rm(project, { recursive: true, force: true })
})

const row = (page: Page, instruction: string) =>
  page.getByTestId('step-row').filter({ has: page.getByTestId('step-instruction').getByText(instruction, { exact: true }) })

/** Presses Build and waits for that build (a new id in the timeline) to succeed. */
async function build(page: Page): Promise<void> {
  const timeline = page.getByTestId('timeline')
  const previous = (await timeline.count()) > 0 ? await timeline.getAttribute('data-build-id') : null
  await page.getByTestId('build-button').click()
  if (previous) await expect(timeline).not.toHaveAttribute('data-build-id', previous, { timeout: 10_000 })
  await expect(page.getByTestId('build-summary')).toHaveAttribute('data-status', 'succeeded', { timeout: 90_000 })
}

test('marks the steps an edit will rebuild, with the reason, and the build agrees', async ({ page, served }, testInfo) => {
  test.skip(!dockerHost, 'needs the test Docker daemon for FROM busybox (run through scripts/with-services.ts)')
  await page.goto(served.url)
  await page.getByTestId('project-path').fill(project)
  await page.getByTestId('project-path').press('Enter')
  const editor = page.getByTestId('dockerfile-editor')
  await expect(editor.locator('.cm-content')).toContainText('COPY public/ /www/')

  // Before any build: the forecast lists the steps, the COPY of this new content will run.
  const list = page.getByTestId('forecast-list')
  await expect(list).toBeVisible({ timeout: 15_000 })
  await expect(list.locator('[data-testid="forecast-row"][data-step-id="0.2"]')).toHaveAttribute('data-status', /rebuild|pull/)
  await page.screenshot({ path: testInfo.outputPath('forecast-before-first-build.png') })

  await build(page)
  // Right after the build nothing is left to rebuild: no mark, and the timeline says so.
  const summary = page.getByTestId('timeline').getByTestId('forecast-summary')
  await expect(summary).toHaveText(/Next build: all 2 layer steps from cache/, { timeout: 15_000 })
  await expect(editor.getByTestId('forecast-mark')).toHaveCount(0)

  // A context file changes on disk: the periodic re-check finds it.
  await writeFile(join(project, 'public/index.html'), `<h1>edited ${project}</h1>\n`)
  const copyMark = editor.locator('[data-testid="forecast-mark"][data-line="3"]')
  await expect(copyMark).toHaveAttribute('data-status', 'rebuild', { timeout: 15_000 })
  await expect(copyMark).toHaveAttribute('title', 'Next build will rebuild: public/index.html changed')
  await expect(editor.getByTestId('forecast-mark')).toHaveCount(1)
  const copyRow = row(page, 'COPY public/ /www/')
  await expect(copyRow.getByTestId('forecast-badge')).toHaveAttribute('data-status', 'rebuild')
  await expect(copyRow.getByTestId('step-forecast')).toContainText('public/index.html changed')
  await expect(summary).toHaveText(/Next build: 1 of 2 layer steps will rebuild/)
  await page.screenshot({ path: testInfo.outputPath('forecast-context-edit.png') })

  await build(page)
  await expect(copyRow).toHaveAttribute('data-status', 'built')
  await expect(copyRow.getByTestId('step-reason')).toHaveText('public/index.html changed')
  await expect(row(page, 'WORKDIR /www')).toHaveAttribute('data-status', 'cached')
  await expect(editor.getByTestId('forecast-mark')).toHaveCount(0, { timeout: 15_000 })

  // The Dockerfile is edited in the editor: the forecast follows the text as it is typed.
  await editor.locator('.cm-line').nth(1).click()
  await page.keyboard.press('End')
  await page.keyboard.press('Backspace')
  await page.keyboard.press('Backspace')
  await page.keyboard.press('Backspace')
  await page.keyboard.type('srv')
  const workdirMark = editor.locator('[data-testid="forecast-mark"][data-line="2"]')
  await expect(workdirMark).toHaveAttribute('title', 'Next build will rebuild: instruction changed: "WORKDIR /srv" (was "WORKDIR /www")', { timeout: 15_000 })
  await expect(copyMark).toHaveAttribute('title', 'Next build will rebuild: parent step 1 will rebuild (WORKDIR /srv)')
  await expect(editor.getByTestId('forecast-mark')).toHaveCount(2)
  // The timeline's rows of the last build say it too, before Build is pressed.
  await expect(row(page, 'WORKDIR /www').getByTestId('step-forecast')).toContainText('instruction changed: "WORKDIR /srv" (was "WORKDIR /www")')
  await expect(copyRow.getByTestId('step-forecast')).toContainText('parent step 1 will rebuild (WORKDIR /srv)')
  await page.screenshot({ path: testInfo.outputPath('forecast-dockerfile-edit.png') })

  // Saved (as the editor does by itself), then built: the same two steps rebuild, for those reasons.
  await expect(page.getByTestId('editor-save-state')).toHaveAttribute('data-state', 'saved')
  await expect.poll(() => readFile(join(project, 'Dockerfile'), 'utf8')).toContain('WORKDIR /srv\n')
  await build(page)
  await expect(row(page, 'WORKDIR /srv')).toHaveAttribute('data-status', 'built')
  await expect(row(page, 'WORKDIR /srv').getByTestId('step-reason')).toHaveText('instruction changed: "WORKDIR /srv" (was "WORKDIR /www")')
  await expect(row(page, 'COPY public/ /www/')).toHaveAttribute('data-status', 'built')
  await expect(row(page, 'COPY public/ /www/').getByTestId('step-reason')).toHaveText('parent step 1 was rebuilt (WORKDIR /srv)')
  await expect(editor.getByTestId('forecast-mark')).toHaveCount(0, { timeout: 15_000 })
})
