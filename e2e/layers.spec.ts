import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { expect, test } from './serve-fixture'

let project: string

test.beforeEach(async () => {
  project = await realpath(await mkdtemp(join(tmpdir(), 'layerlab-e2e-layers-')))
  await mkdir(join(project, 'site', 'css'), { recursive: true })
  await mkdir(join(project, 'site', 'js', 'lib'), { recursive: true })
  await mkdir(join(project, 'override'))
  await writeFile(join(project, 'big.bin'), Buffer.alloc(300_000, 1))
  await writeFile(join(project, 'site', 'index.html'), '<h1>first</h1>\n')
  await writeFile(join(project, 'site', 'css', 'main.css'), 'h1 { color: teal }\n')
  await writeFile(join(project, 'site', 'js', 'lib', 'app.js'), 'console.log("hi")\n'.repeat(200))
  await writeFile(join(project, 'override', 'index.html'), '<h1>second, and longer</h1>\n')
  await writeFile(
    join(project, 'Dockerfile'),
    'FROM scratch\nCOPY big.bin /data/big.bin\nCOPY site /srv/site\nCOPY override/index.html /srv/site/index.html\nLABEL layers=demo\n',
  )
})

test.afterEach(async () => {
  await rm(project, { recursive: true, force: true })
})

const fileRow = (page: Page, path: string) => page.locator(`[data-testid="file-row"][data-path="${path}"]`)

test('shows a build’s layers, their sizes and each layer’s files', async ({ page, served }, testInfo) => {
  await page.goto(served.url)
  await page.getByTestId('project-path').fill(project)
  await page.getByTestId('project-path').press('Enter')
  await expect(page.getByTestId('build-controls')).toBeVisible()
  await expect(page.getByTestId('tab-layers')).toBeDisabled()

  await page.getByTestId('build-button').click()
  await expect(page.getByTestId('build-summary')).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 })
  // The tabs work from the keyboard: the arrow key moves to the next tab that can open.
  await page.getByTestId('tab-timeline').focus()
  await page.keyboard.press('ArrowRight')
  await expect(page.getByTestId('tab-layers')).toHaveAttribute('aria-selected', 'true')
  await expect(page.getByTestId('tab-layers')).toBeFocused()

  // The table: a row per COPY, bottom-up, with its line, size, share and running total.
  const rows = page.getByTestId('layer-row')
  await expect(rows).toHaveCount(3)
  await expect(rows.getByTestId('layer-instruction')).toHaveText(['COPY big.bin /data/big.bin', 'COPY site /srv/site', 'COPY override/index.html /srv/site/index.html'])
  await expect(rows.getByTestId('layer-line')).toHaveText(['line 2', 'line 3', 'line 4'])
  await expect(rows.getByTestId('layer-origin')).toHaveText(['rebuilt', 'rebuilt', 'rebuilt'])
  await expect(rows.nth(0).getByTestId('layer-size')).toHaveText(/^30\dkB$/)
  const percents = await rows.getByTestId('layer-percent').allTextContents()
  expect(Number.parseInt(percents[0] ?? '', 10)).toBeGreaterThan(90)
  await expect(page.getByTestId('image-size')).toHaveText(await rows.nth(2).getByTestId('layer-cumulative').innerText())

  // The stacked bar: one segment per layer, the big one widest; hovering names it.
  const segments = page.getByTestId('layer-segment')
  await expect(segments).toHaveCount(3)
  const widths = await segments.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width))
  expect(widths[0]).toBeGreaterThan((widths[1] ?? 0) + (widths[2] ?? 0))
  await segments.nth(0).hover()
  await expect(page.getByTestId('layer-bar-caption')).toContainText('COPY big.bin /data/big.bin')

  // The directory layer: everything added, sizes rolled up, a filter by name.
  await rows.nth(1).click()
  await expect(page.getByTestId('layer-files')).toHaveAttribute('data-layer', '1')
  await expect(fileRow(page, 'srv/site/css/main.css')).toHaveAttribute('data-change', 'added')
  await expect(fileRow(page, 'srv/site/css/main.css').getByTestId('file-change')).toHaveText('A')
  await expect(fileRow(page, 'srv/site/js/lib/app.js')).toBeVisible()
  await expect(fileRow(page, 'srv/site/js').getByTestId('file-size')).toHaveText('3.6kB')
  await page.getByTestId('file-sort').selectOption('size')
  await expect(page.getByTestId('file-row').getByTestId('file-name').nth(2)).toHaveText('js/')
  await page.screenshot({ path: testInfo.outputPath('layers-files.png') })
  await page.getByTestId('file-filter').fill('main')
  await expect(page.getByTestId('file-row')).toHaveCount(4)
  await expect(page.getByTestId('file-row').getByTestId('file-name')).toHaveText(['srv/', 'site/', 'css/', 'main.css'])
  await page.getByTestId('file-filter').fill('no-such-file')
  await expect(page.getByTestId('file-empty')).toContainText('no-such-file')

  // The overwriting layer: the file from the layer below is modified.
  await rows.nth(2).click()
  await expect(page.getByTestId('layer-files')).toHaveAttribute('data-layer', '2')
  await expect(page.getByTestId('file-filter')).toHaveValue('')
  await expect(fileRow(page, 'srv/site/index.html')).toHaveAttribute('data-change', 'modified')
  await expect(fileRow(page, 'srv/site/index.html').getByTestId('file-change')).toHaveText('M')
  await expect(page.getByTestId('file-summary')).toContainText('0 added · 3 modified')
  await page.screenshot({ path: testInfo.outputPath('layers.png') })

  // Built again: every layer comes from the cache, and the view says so.
  await page.getByTestId('build-button').click()
  await expect(page.getByTestId('layers-panel')).toBeVisible({ timeout: 30_000 })
  await expect(page.getByTestId('layer-row').getByTestId('layer-origin')).toHaveText(['cached', 'cached', 'cached'], { timeout: 30_000 })
})
