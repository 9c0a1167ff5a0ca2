import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { serviceOrSkip } from '../scripts/require-service'
import { expect, startServe, test } from './serve-fixture'

let project: string

test.beforeEach(async () => {
  project = await realpath(await mkdtemp(join(tmpdir(), 'layerlab-e2e-editor-timeline-')))
  await writeFile(join(project, 'app.txt'), `hello from ${project}\n`)
})

test.afterEach(async () => {
  await rm(project, { recursive: true, force: true })
})

async function openAndBuild(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await page.getByTestId('project-path').fill(project)
  await page.getByTestId('project-path').press('Enter')
  await page.getByTestId('build-button').click()
  await expect(page.getByTestId('build-summary')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 })
}

const selectedRows = (page: Page) => page.locator('[data-testid="step-row"][data-selected="true"]')

/** 0..1: how light a CSS colour is (sRGB relative luminance); the canvas reads any CSS colour (Tailwind's oklch too). */
async function luminance(locator: Locator, property: 'color' | 'background-color'): Promise<number> {
  return locator.evaluate((el, p) => {
    const canvas = document.createElement('canvas')
    canvas.width = canvas.height = 1
    const context = canvas.getContext('2d')
    if (!context) throw new Error('no 2d canvas')
    context.fillStyle = getComputedStyle(el).getPropertyValue(p)
    context.fillRect(0, 0, 1, 1)
    const [r = 0, g = 0, b = 0] = context.getImageData(0, 0, 1, 1).data
    const channel = (c: number) => {
      const s = c / 255
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
    }
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
  }, property)
}

test('the cursor on an instruction selects its step in the timeline, continuation lines included', async ({ page, served }, testInfo) => {
  await writeFile(
    join(project, 'Dockerfile'),
    'FROM scratch\nCOPY app.txt \\\n  /app/app.txt\nWORKDIR /app\nLABEL org.example.version=1\n',
  )
  await openAndBuild(page, served.url)
  const editor = page.getByTestId('dockerfile-editor')
  await expect(editor.getByTestId('gutter-mark')).toHaveCount(4)
  await expect(selectedRows(page)).toHaveCount(0)

  // A click on the second line of the COPY selects the COPY's row.
  await editor.locator('.cm-line').nth(2).click()
  await expect(selectedRows(page)).toHaveCount(1)
  await expect(selectedRows(page)).toHaveAttribute('data-step-id', '0.1')
  await expect(selectedRows(page).getByTestId('step-line')).toHaveText('2')
  await expect(editor.locator('.cm-selected-step')).toHaveText('COPY app.txt \\')

  // The keyboard moves it on, one instruction at a time.
  await page.keyboard.press('ArrowDown')
  await expect(selectedRows(page).getByTestId('step-instruction')).toHaveText('WORKDIR /app')
  await page.keyboard.press('ArrowDown')
  await expect(selectedRows(page).getByTestId('step-instruction')).toHaveText('LABEL org.example.version=1')
  await page.keyboard.press('ControlOrMeta+Home')
  await expect(selectedRows(page).getByTestId('step-instruction')).toHaveText('FROM scratch')
  await expect(selectedRows(page)).toBeInViewport()
  await page.screenshot({ path: testInfo.outputPath('editor-selects-step.png') })
})

test('the editor follows the dark theme: readable highlighting, gutter marks and tooltips', async ({ page, served }, testInfo) => {
  await writeFile(join(project, 'Dockerfile'), 'FROM scratch\nCOPY app.txt /app/app.txt\nLABEL org.example.version=1\n')
  await page.emulateMedia({ colorScheme: 'light' })
  await openAndBuild(page, served.url)
  const editor = page.getByTestId('dockerfile-editor')
  const keyword = editor.locator('.cm-line').first().locator('span').first()
  await expect(keyword).toHaveText('FROM')
  const text = editor.locator('.cm-content')
  expect(await luminance(keyword, 'color')).toBeLessThan(0.25)
  expect(await luminance(text, 'color')).toBeLessThan(0.1)
  await page.screenshot({ path: testInfo.outputPath('editor-light.png') })

  // The system switches to dark: the open editor follows without a reload.
  await page.emulateMedia({ colorScheme: 'dark' })
  await expect.poll(() => luminance(keyword, 'color')).toBeGreaterThan(0.35)
  expect(await luminance(text, 'color')).toBeGreaterThan(0.6)
  expect(await luminance(page.getByTestId('dockerfile-editor'), 'background-color')).toBeLessThan(0.05)
  // Every line is lighter than the editor behind it, comments and strings included.
  for (const span of await editor.locator('.cm-line span').all()) expect(await luminance(span, 'color')).toBeGreaterThan(0.3)
  await expect(editor.locator('[data-testid="gutter-mark"][data-line="2"]')).toHaveAttribute('data-status', 'built')

  await editor.locator('.cm-line').first().locator('span').first().hover()
  const hover = page.getByTestId('editor-hover')
  await expect(hover).toBeVisible({ timeout: 10_000 })
  const tooltip = page.locator('.cm-tooltip').filter({ has: hover })
  expect(await luminance(tooltip, 'background-color')).toBeLessThan(0.05)
  expect(await luminance(hover, 'color')).toBeGreaterThan(0.6)
  await page.screenshot({ path: testInfo.outputPath('editor-dark.png'), fullPage: true })
})

test('a FROM pulled from a registry shows its bytes per layer on the FROM row', async ({ page }, testInfo) => {
  const registry = serviceOrSkip('registry')
  test.skip(!registry, 'needs the test registry (run through scripts/with-services.ts)')
  await writeFile(join(project, 'Dockerfile'), `FROM ${registry}/library/busybox:latest\nCOPY app.txt /app/app.txt\n`)
  // A store of its own: in the worker's shared one an earlier spec may have pulled busybox already.
  const served = await startServe()
  try {
    await openAndBuild(page, served.url)
    await pullShown(page, registry ?? '', testInfo.outputPath('pull-progress.png'))
  } finally {
    await served.stop()
  }
})

async function pullShown(page: Page, registry: string, screenshot: string): Promise<void> {
  const from = page.locator('[data-testid="step-row"][data-step-id="0.0"]')
  const progress = from.getByTestId('transfer-progress')
  await expect(progress).toBeVisible()
  const total = Number(await progress.getAttribute('data-total'))
  expect(total).toBeGreaterThan(500_000)
  await expect(progress).toHaveAttribute('data-current', String(total))
  await expect(progress).toHaveAttribute('data-done', await progress.getAttribute('data-count') ?? '')
  await expect(from.getByTestId('transfer-segment')).toHaveCount(Number(await progress.getAttribute('data-count')))
  await from.getByRole('button', { name: 'Show output' }).click()
  await expect(from.getByTestId('step-logs')).toContainText(`pulling ${registry}/library/busybox:latest`)
  await expect(from.getByTestId('step-logs')).toContainText(/pulled .*busybox:latest: \d+ layers?, .+ fetched/)
  await page.screenshot({ path: screenshot })
}
