import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serviceOrSkip } from '../scripts/require-service'
import { expect, test } from './serve-fixture'

// A real build FROM the test registry's busybox whose later RUN deletes a 1 MiB file an earlier
// RUN wrote and overwrites a 300 kB copied file: the layers view must show the bytes wasted.
const registry = serviceOrSkip('registry')
const MiB = 1 << 20

let project: string

test.beforeEach(async () => {
  project = await realpath(await mkdtemp(join(tmpdir(), 'layerlab-e2e-waste-')))
  await writeFile(join(project, 'payload.bin'), Buffer.alloc(300_000, 7))
  await writeFile(
    join(project, 'Dockerfile'),
    `FROM ${registry}/library/busybox\nRUN head -c ${MiB} /dev/zero > /scratch.bin\nCOPY payload.bin /srv/payload.bin\nRUN rm /scratch.bin && echo done > /srv/payload.bin\n`,
  )
})

test.afterEach(async () => {
  await rm(project, { recursive: true, force: true })
})

test('the layers view shows a build’s wasted bytes and opens the layer that wasted them', async ({ page, served }, testInfo) => {
  test.skip(!registry, 'needs the test registry (run through scripts/with-services.ts)')
  await page.goto(served.url)
  await page.getByTestId('project-path').fill(project)
  await page.getByTestId('project-path').press('Enter')
  await page.getByTestId('build-button').click()
  await expect(page.getByTestId('build-summary')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 })
  await page.getByTestId('tab-layers').click()

  const summary = page.getByTestId('waste-summary')
  await expect(summary).toHaveAttribute('data-status', 'ready', { timeout: 30_000 })
  await expect(summary.getByTestId('waste-bytes')).toHaveAttribute('data-bytes', String(MiB + 300_000))
  await expect(summary.getByTestId('waste-bytes')).toHaveText('1.35MB')
  const paths = summary.getByTestId('wasted-path')
  await expect(paths).toHaveCount(2)
  await expect(paths.nth(0)).toHaveAttribute('data-path', 'scratch.bin')
  await expect(paths.nth(0)).toContainText('deleted in')
  await expect(paths.nth(1)).toHaveAttribute('data-path', 'srv/payload.bin')
  await expect(paths.nth(1).getByTestId('wasted-path-size')).toHaveText('300kB')
  const efficiency = Number.parseFloat((await summary.getByTestId('waste-efficiency').innerText()).replace('%', ''))
  expect(efficiency).toBeGreaterThan(20)
  expect(efficiency).toBeLessThan(70)
  await summary.screenshot({ path: testInfo.outputPath('waste-summary.png') })

  // The path opens the layer that deleted it, its file list filtered to the name.
  const rows = page.getByTestId('layer-row')
  const lastLayer = (await rows.count()) - 1
  await paths.nth(0).getByTestId('wasted-path-open').click()
  await expect(page.getByTestId('layer-files')).toHaveAttribute('data-layer', String(lastLayer))
  await expect(page.getByTestId('file-filter')).toHaveValue('scratch.bin')
  const removed = page.locator('[data-testid="file-row"][data-path="scratch.bin"]')
  await expect(removed).toHaveAttribute('data-change', 'removed')
  await expect(removed.getByTestId('file-size')).toHaveText('1.05MB')
  // The layer that wrote it, from the "written in" link: the same name, added there.
  await paths.nth(0).getByTestId('waste-layer-link').first().click()
  await expect(page.getByTestId('layer-files')).toHaveAttribute('data-layer', String(lastLayer - 2))
  await expect(page.locator('[data-testid="file-row"][data-path="scratch.bin"]')).toHaveAttribute('data-change', 'added')
})
