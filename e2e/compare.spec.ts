import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { expect, test } from './serve-fixture'

let project: string

test.beforeEach(async () => {
  project = await realpath(await mkdtemp(join(tmpdir(), 'layerlab-e2e-compare-')))
  await mkdir(join(project, 'site'), { recursive: true })
  await writeFile(join(project, 'big.bin'), Buffer.alloc(200_000, 1))
  await writeFile(join(project, 'site', 'index.html'), '<h1>first</h1>\n')
  await writeFile(join(project, 'site', 'about.html'), '<p>about</p>\n')
  await writeFile(join(project, 'Dockerfile'), 'FROM scratch\nCOPY big.bin /data/big.bin\nCOPY site /srv/site\nLABEL v=1\n')
})

test.afterEach(async () => {
  await rm(project, { recursive: true, force: true })
})

async function buildOnce(page: Page, builds: number): Promise<void> {
  await page.getByTestId('build-button').click()
  await expect(page.getByTestId('history-item')).toHaveCount(builds, { timeout: 30_000 })
  await expect(page.getByTestId('history-item').first()).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 })
}

test('compares the last two builds: the edited layer, its file and the size change', async ({ page, served }, testInfo) => {
  await page.goto(served.url)
  await page.getByTestId('project-path').fill(project)
  await page.getByTestId('project-path').press('Enter')
  await expect(page.getByTestId('build-controls')).toBeVisible()

  await buildOnce(page, 1)
  await expect(page.getByTestId('tab-compare')).toBeDisabled()

  // The edit: one copied file grows by 3000 bytes, another is added.
  await writeFile(join(project, 'site', 'index.html'), `<h1>second</h1>\n${'<p>more</p>\n'.repeat(250)}`)
  await writeFile(join(project, 'site', 'new.html'), '<p>new</p>\n')
  await buildOnce(page, 2)

  await page.getByTestId('tab-compare').click()
  const rows = page.getByTestId('compare-row')
  await expect(rows).toHaveCount(2)
  await expect(rows.getByTestId('compare-instruction')).toHaveText([/^COPY big.bin \/data\/big.bin/, /^COPY site \/srv\/site/])
  await expect(rows.nth(0)).toHaveAttribute('data-status', 'same')
  await expect(rows.nth(0).getByTestId('compare-delta')).toHaveText('0B')
  await expect(rows.nth(1)).toHaveAttribute('data-status', 'changed')
  await expect(rows.nth(1).getByTestId('compare-tally')).toContainText('1 changed · 1 added')
  // index.html: 15 → 3015 bytes, 1 → 6 tar blocks; new.html: a header and a block.
  await expect(rows.nth(1).getByTestId('compare-delta')).toHaveText('+3.58kB')
  await expect(page.getByTestId('compare-total-delta')).toHaveText('+3.58kB')

  // The changed pair is open: the edited file, how it differs, and the added one.
  const file = page.locator('[data-testid="compare-file"][data-path="srv/site/index.html"]')
  await expect(file).toHaveAttribute('data-change', 'changed')
  await expect(file.getByTestId('compare-file-detail')).toHaveText(/^15B → 3.02kB · content/)
  await expect(page.locator('[data-testid="compare-file"][data-path="srv/site/new.html"]')).toHaveAttribute('data-change', 'added')
  await expect(page.locator('[data-testid="compare-file"][data-path="srv/site/about.html"]')).toHaveCount(0)
  await page.screenshot({ path: testInfo.outputPath('compare.png') })

  // Swapping A and B turns the growth into a shrink, and the added file into a removed one.
  await page.getByTestId('compare-swap').click()
  await expect(page.getByTestId('compare-total-delta')).toHaveText('-3.58kB')
  await expect(page.locator('[data-testid="compare-file"][data-path="srv/site/new.html"]')).toHaveAttribute('data-change', 'removed')

  // Collapsing the pair hides its files.
  await page.getByTestId('compare-row').nth(1).click()
  await expect(page.getByTestId('compare-files')).toHaveCount(0)
})

test('compares two tagged images from the Images view', async ({ page, served }) => {
  await page.goto(served.url)
  await page.getByTestId('project-path').fill(project)
  await page.getByTestId('project-path').press('Enter')
  await expect(page.getByTestId('build-controls')).toBeVisible()

  await page.getByTestId('tag-input').fill('compare-e2e:1')
  await buildOnce(page, 1)
  await writeFile(join(project, 'site', 'index.html'), `<h1>second</h1>\n${'<p>more</p>\n'.repeat(250)}`)
  await page.getByTestId('tag-input').fill('compare-e2e:2')
  await buildOnce(page, 2)

  await page.getByTestId('tab-images').click()
  await page.locator('[data-testid="image-row"][data-ref="compare-e2e:2"]').click()
  await expect(page.getByTestId('layer-row').first()).toBeVisible()
  await page.getByTestId('image-compare-with').selectOption({ label: 'compare-e2e:1' })
  const rows = page.getByTestId('compare-row')
  await expect(rows).toHaveCount(2)
  await expect(rows.nth(0)).toHaveAttribute('data-status', 'same')
  await expect(rows.nth(1)).toHaveAttribute('data-status', 'changed')
  await expect(page.getByTestId('compare-total-delta')).toHaveText('+2.56kB')
  await expect(page.locator('[data-testid="compare-file"][data-path="srv/site/index.html"]')).toHaveAttribute('data-change', 'changed')
  // Back to the image's own layers.
  await page.getByTestId('image-compare-with').selectOption({ index: 0 })
  await expect(page.getByTestId('compare-row')).toHaveCount(0)
  await expect(page.getByTestId('layer-row').first()).toBeVisible()
})
