import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { serviceOrSkip } from '../scripts/require-service'
import { expect, test } from './serve-fixture'

// Two independent stages and a final one copying from both. BuildKit (the Docker backend) runs
// the two at the same time: the timeline shows them side by side, the final stage below. The
// embedded engine runs stages one after another: the same file shows three stacked stages.
const dockerHost = serviceOrSkip('docker')
let project: string

test.beforeEach(async () => {
  project = await realpath(await mkdtemp(join(tmpdir(), 'layerlab-e2e-waves-')))
  // A fresh token per run, so no daemon cache hit skips the work; `one` and `two` differ, or
  // BuildKit would run the identical RUN once for both stages.
  const token = `${Date.now()}-${Math.random().toString(36).slice(2)}`
  const dockerfile = [
    'FROM busybox AS one',
    `RUN sleep 2 && echo one-${token} > /x`,
    'FROM busybox AS two',
    `RUN sleep 2 && echo two-${token} > /x`,
    'FROM busybox',
    'COPY --from=one /x /one',
    'COPY --from=two /x /two',
    '',
  ].join('\n')
  await writeFile(join(project, 'Dockerfile'), dockerfile)
})

test.afterEach(async () => {
  await rm(project, { recursive: true, force: true })
})

async function openProject(page: Page): Promise<void> {
  await page.getByTestId('project-path').fill(project)
  await page.getByTestId('project-path').press('Enter')
  await expect(page.getByTestId('build-controls')).toBeVisible()
}

const stage = (page: Page, label: string): Locator => page.locator(`[data-testid="stage"][aria-label="stage ${label}"]`)

async function box(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const found = await locator.boundingBox()
  if (!found) throw new Error('the stage is not laid out')
  return found
}

/** `one` and `two` in one wave, two columns side by side; the final stage in a wave below. */
async function expectSideBySide(page: Page): Promise<void> {
  const [one, two, last] = [stage(page, 'one'), stage(page, 'two'), stage(page, '2')]
  await expect(one).toHaveAttribute('data-wave', '0')
  await expect(two).toHaveAttribute('data-wave', '0')
  await expect(one).toHaveAttribute('data-column', '0')
  await expect(two).toHaveAttribute('data-column', '1')
  await expect(last).toHaveAttribute('data-wave', '1')
  const [a, b, c] = [await box(one), await box(two), await box(last)]
  expect(Math.abs(a.y - b.y)).toBeLessThan(2)
  expect(b.x).toBeGreaterThanOrEqual(a.x + a.width)
  expect(c.y).toBeGreaterThanOrEqual(Math.max(a.y + a.height, b.y + b.height))
  // Each column keeps what a row needs: line, instruction, status and time.
  const run = one.getByTestId('step-row').filter({ hasText: 'RUN sleep 2' })
  for (const cell of ['step-line', 'step-instruction', 'step-status', 'step-duration']) await expect(run.getByTestId(cell)).toBeVisible()
}

async function expectStacked(page: Page): Promise<void> {
  const boxes = [await box(stage(page, 'one')), await box(stage(page, 'two')), await box(stage(page, '2'))]
  for (let i = 1; i < boxes.length; i++) {
    const [above, below] = [boxes[i - 1], boxes[i]] as [(typeof boxes)[number], (typeof boxes)[number]]
    expect(below.y).toBeGreaterThanOrEqual(above.y + above.height)
  }
}

test('the Docker backend runs independent stages at once: they stand side by side, live and from history', async ({ page, served }, testInfo) => {
  test.skip(!dockerHost, 'needs the test Docker daemon (run through scripts/with-services.ts)')
  await page.setViewportSize({ width: 1600, height: 1000 })
  await page.goto(served.url)
  await openProject(page)
  await expect(page.getByTestId('docker-status')).toHaveAttribute('data-available', 'true')
  await page.getByTestId('backend-option-docker').click()
  await expect(page.getByTestId('backend-picker')).toHaveAttribute('data-backend', 'docker')

  await page.getByTestId('build-button').click()
  // Live: while both RUNs sleep, the second stage has already joined the first one's wave.
  const running = page.locator('[data-testid="step-row"][data-status="running"]').filter({ hasText: 'RUN sleep 2' })
  await expect(running).toHaveCount(2, { timeout: 60_000 })
  await expect(page.locator('[data-testid="stage-wave"][data-columns="2"]')).toHaveCount(1)
  await expect(stage(page, 'two')).toHaveAttribute('data-wave', '0')
  await expect(page.getByTestId('build-summary')).toHaveAttribute('data-status', 'running')
  await page.screenshot({ path: testInfo.outputPath('waves-docker-live.png') })

  await expect(page.getByTestId('build-summary')).toHaveAttribute('data-status', 'succeeded', { timeout: 90_000 })
  await expect(page.getByTestId('build-summary')).toHaveAttribute('data-backend', 'docker')
  for (const name of ['one', 'two']) {
    await expect(stage(page, name).getByTestId('step-row').filter({ hasText: 'RUN sleep 2' })).toHaveAttribute('data-status', 'built')
  }
  await expectSideBySide(page)
  await page.screenshot({ path: testInfo.outputPath('waves-docker.png') })

  // Reopened from the store's record: the same layout, from each step's recorded start.
  const buildId = await page.getByTestId('timeline').getAttribute('data-build-id')
  await page.reload()
  await openProject(page)
  // After a reload no live build is left: the timeline is the record's.
  await page.locator(`[data-testid="history-item"][data-build-id="${buildId}"]`).click()
  await expect(page.getByTestId('timeline')).toHaveAttribute('data-build-id', buildId ?? '')
  await expect(page.getByTestId('timeline-heading')).toContainText('Earlier build')
  await expectSideBySide(page)
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.screenshot({ path: testInfo.outputPath('waves-docker-history-dark.png') })

  // Too narrow for two readable columns: the wave's stages stack.
  await page.setViewportSize({ width: 700, height: 1000 })
  await expect(stage(page, 'two')).toHaveAttribute('data-wave', '0')
  await expectStacked(page)
  await page.screenshot({ path: testInfo.outputPath('waves-docker-narrow.png'), fullPage: true })
})

test('the embedded engine runs the same stages one after another: they stay stacked', async ({ page, served }, testInfo) => {
  test.skip(!dockerHost, 'the stages build FROM busybox, which the test Docker daemon supplies (run through scripts/with-services.ts)')
  await page.setViewportSize({ width: 1600, height: 1000 })
  await page.goto(served.url)
  await openProject(page)
  await expect(page.getByTestId('backend-picker')).toHaveAttribute('data-backend', 'embedded')
  await page.getByTestId('build-button').click()
  await expect(page.getByTestId('build-summary')).toHaveAttribute('data-status', 'succeeded', { timeout: 90_000 })
  await expect(page.getByTestId('build-summary')).toHaveAttribute('data-backend', 'embedded')
  await expect(page.getByTestId('stage-wave')).toHaveCount(3)
  await expect(page.locator('[data-testid="stage-wave"][data-columns="1"]')).toHaveCount(3)
  expect(await page.getByTestId('stage').evaluateAll((list) => list.map((s) => s.getAttribute('data-wave')))).toEqual(['0', '1', '2'])
  await expectStacked(page)
  await page.screenshot({ path: testInfo.outputPath('waves-embedded.png') })
})
