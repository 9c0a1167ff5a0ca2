import { createWriteStream } from 'node:fs'
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { expect, test } from './serve-fixture'

let project: string

test.beforeEach(async () => {
  project = await realpath(await mkdtemp(join(tmpdir(), 'layerlab-e2e-project-')))
  await writeFile(join(project, 'app.txt'), 'hello\n')
  await writeFile(
    join(project, 'Dockerfile'),
    'FROM scratch\nCOPY app.txt /app/app.txt\nWORKDIR /app\nLABEL org.example.version=1\n',
  )
  await writeFile(
    join(project, 'broken.Dockerfile'),
    'FROM scratch\nCOPY app.txt /app/app.txt\nCOPY missing.txt /app/missing.txt\nWORKDIR /app\nLABEL broken=yes\n',
  )
})

test.afterEach(async () => {
  await rm(project, { recursive: true, force: true })
})

const row = (page: Page, instruction: string) =>
  page.getByTestId('step-row').filter({ has: page.getByTestId('step-instruction').getByText(instruction, { exact: true }) })

async function openProject(page: Page, dir: string): Promise<void> {
  await page.getByTestId('project-path').fill(dir)
  await page.getByTestId('project-path').press('Enter')
  await expect(page.getByTestId('build-controls')).toBeVisible()
}

/** Starts a build (button or shortcut) and waits for it to finish; returns its id. */
async function build(page: Page, how: 'click' | 'shortcut', previous?: string): Promise<string> {
  if (how === 'click') await page.getByTestId('build-button').click()
  else await page.keyboard.press('ControlOrMeta+Enter')
  const timeline = page.getByTestId('timeline')
  if (previous) await expect(timeline).not.toHaveAttribute('data-build-id', previous)
  await expect(page.getByTestId('build-summary')).not.toHaveAttribute('data-status', 'running', { timeout: 30_000 })
  const id = await timeline.getAttribute('data-build-id')
  expect(id).toBeTruthy()
  return id ?? ''
}

test('builds a project from the UI and watches every step, cache hits, misses and failures', async ({ page, served }, testInfo) => {
  await page.goto(served.url)
  await openProject(page, project)
  await expect(page.getByTestId('timeline-empty')).toContainText('No build of this project yet')
  await page.screenshot({ path: testInfo.outputPath('timeline-empty.png') })
  await expect(page.getByTestId('build-history')).toContainText('No builds of this project yet')
  await expect(page.getByTestId('dockerfile-select').locator('option')).toHaveText(['Dockerfile', 'broken.Dockerfile'])

  // First build: the layer steps are built, because it is the first build.
  const first = await build(page, 'shortcut')
  await expect(page.getByTestId('build-summary')).toHaveAttribute('data-status', 'succeeded')
  for (const instruction of ['COPY app.txt /app/app.txt', 'WORKDIR /app']) {
    await expect(row(page, instruction)).toHaveAttribute('data-status', 'built')
    await expect(row(page, instruction).getByTestId('step-reason')).toHaveText('first build')
  }
  await expect(row(page, 'LABEL org.example.version=1')).toHaveAttribute('data-status', 'cached')
  await expect(page.getByTestId('build-cache-share')).toHaveText('0 of 2 layer steps from cache (0%)')
  await row(page, 'COPY app.txt /app/app.txt').getByRole('button', { name: 'Show output' }).click()
  await expect(row(page, 'COPY app.txt /app/app.txt').getByTestId('step-logs')).toContainText('This step printed nothing.')
  await row(page, 'COPY app.txt /app/app.txt').getByRole('button', { name: 'Hide output' }).click()
  await expect(page.getByTestId('step-logs')).toHaveCount(0)

  // Again: everything from the cache, and the summary says so.
  const second = await build(page, 'click', first)
  await expect(page.getByTestId('step-row')).toHaveCount(4)
  for (const status of await page.getByTestId('step-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')))) {
    expect(status).toBe('cached')
  }
  await expect(page.getByTestId('build-cache-share')).toHaveText('all 2 layer steps from cache (100%)')

  // A file edited on disk: the COPY is rebuilt and names it.
  await writeFile(join(project, 'app.txt'), 'hello again\n')
  const third = await build(page, 'click', second)
  await expect(row(page, 'COPY app.txt /app/app.txt')).toHaveAttribute('data-status', 'built')
  await expect(row(page, 'COPY app.txt /app/app.txt').getByTestId('step-reason')).toHaveText('app.txt changed')
  await expect(row(page, 'WORKDIR /app').getByTestId('step-reason')).toContainText('parent step 1 was rebuilt')
  await page.screenshot({ path: testInfo.outputPath('timeline.png') })

  // A failing Dockerfile: the failed step at its line, and the steps after it not run.
  await page.getByTestId('dockerfile-select').selectOption('broken.Dockerfile')
  await expect(page.getByTestId('dockerfile-select')).toBeEnabled()
  const failed = await build(page, 'click', third)
  await expect(page.getByTestId('build-summary')).toHaveAttribute('data-status', 'failed')
  await expect(page.getByTestId('build-summary')).toContainText('Failed at line 3')
  const failedRow = row(page, 'COPY missing.txt /app/missing.txt')
  await expect(failedRow).toHaveAttribute('data-status', 'failed')
  await expect(failedRow.getByTestId('step-line')).toHaveText('3')
  await expect(failedRow.getByTestId('step-error')).toContainText('missing.txt')
  await expect(page.getByTestId('build-error')).toContainText('line 3')
  for (const later of ['WORKDIR /app', 'LABEL broken=yes']) {
    await expect(row(page, later)).toHaveAttribute('data-status', 'not-run')
    await expect(row(page, later).getByTestId('step-status')).toHaveText('not run')
  }
  await page.screenshot({ path: testInfo.outputPath('timeline-failed.png') })

  // History: every build, newest first; opening the first shows its rows from the record.
  const items = page.getByTestId('history-item')
  await expect(items).toHaveCount(4)
  expect(await items.evaluateAll((list) => list.map((i) => i.getAttribute('data-build-id')))).toEqual([failed, third, second, first])
  await page.locator(`[data-testid="history-item"][data-build-id="${first}"]`).click()
  await expect(page.getByTestId('timeline')).toHaveAttribute('data-build-id', first)
  await expect(page.getByTestId('timeline-heading')).toContainText('Earlier build')
  await expect(row(page, 'COPY app.txt /app/app.txt').getByTestId('step-reason')).toHaveText('first build')
  await expect(page.getByTestId('build-cache-share')).toHaveText('0 of 2 layer steps from cache (0%)')

  // Kept across restarts of the page: the history comes from the store.
  await page.reload()
  await page.getByTestId('recent-projects').getByRole('button', { name: project, exact: true }).click()
  await expect(page.getByTestId('build-controls')).toBeVisible()
  await expect(items).toHaveCount(4)
  await expect(page.getByTestId('timeline')).toHaveAttribute('data-build-id', failed)
  await page.screenshot({ path: testInfo.outputPath('history.png') })

  await page.emulateMedia({ colorScheme: 'dark' })
  await page.locator(`[data-testid="history-item"][data-build-id="${third}"]`).click()
  await expect(row(page, 'COPY app.txt /app/app.txt').getByTestId('step-reason')).toHaveText('app.txt changed')
  await page.screenshot({ path: testInfo.outputPath('timeline-dark.png') })
})

test('streams a slow build without moving the rows, and Escape cancels it', async ({ page, served }, testInfo) => {
  // Two COPY steps of a large file take long enough to watch (and to cancel between them).
  await writeZeros(join(project, 'big.bin'), 400 * 1024 * 1024)
  await writeFile(join(project, 'Dockerfile'), 'FROM scratch\nCOPY big.bin /a.bin\nLABEL stage=one\nCOPY big.bin /b.bin\nLABEL stage=two\n')
  await page.goto(served.url)
  await openProject(page, project)
  await page.getByTestId('no-cache').check()
  await page.getByTestId('build-button').click()

  const copy = row(page, 'COPY big.bin /a.bin')
  await expect(copy).toHaveAttribute('data-status', 'running')
  await expect(copy.getByTestId('step-status')).toHaveText('running')
  await expect(page.getByTestId('cancel-button')).toBeEnabled()
  await expect(page.getByTestId('build-button')).toBeDisabled()
  const boxesWhileRunning = await rowBoxes(page)
  await page.screenshot({ path: testInfo.outputPath('timeline-running.png') })
  await page.keyboard.press('Escape')

  await expect(page.getByTestId('build-summary')).toHaveAttribute('data-status', 'cancelled', { timeout: 30_000 })
  await expect(row(page, 'COPY big.bin /b.bin')).toHaveAttribute('data-status', 'not-run')
  await expect(row(page, 'LABEL stage=two')).toHaveAttribute('data-status', 'not-run')
  // Reasons, durations and badges arrived, the rows did not move.
  expect(await rowBoxes(page)).toEqual(boxesWhileRunning)
  await expect(page.getByTestId('history-item').first()).toHaveAttribute('data-status', 'cancelled')
})

async function writeZeros(file: string, bytes: number): Promise<void> {
  const out = createWriteStream(file)
  const block = Buffer.alloc(1024 * 1024)
  for (let written = 0; written < bytes; written += block.length) {
    if (!out.write(block)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
  }
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject)
    out.end(() => resolve())
  })
}

function rowBoxes(page: Page): Promise<{ y: number; height: number }[]> {
  return page.getByTestId('step-row').evaluateAll((rows) =>
    rows.map((r) => {
      const box = r.getBoundingClientRect()
      return { y: Math.round(box.y), height: Math.round(box.height) }
    }),
  )
}

test('explains what to do with a folder that cannot be opened', async ({ page, served }, testInfo) => {
  await page.goto(served.url)
  await expect(page.getByTestId('welcome')).toContainText('Open a project')
  await openProjectExpectingError(page, 'relative/path', 'absolute path')
  await openProjectExpectingError(page, join(project, 'nope'), 'no folder')
  await rm(join(project, 'Dockerfile'))
  await rm(join(project, 'broken.Dockerfile'))
  await openProjectExpectingError(page, project, 'has no Dockerfile')
  await page.screenshot({ path: testInfo.outputPath('open-error.png') })
})

async function openProjectExpectingError(page: Page, dir: string, text: string): Promise<void> {
  await page.getByTestId('project-path').fill(dir)
  await page.getByTestId('open-project').click()
  await expect(page.getByTestId('project-error')).toContainText(text)
}
