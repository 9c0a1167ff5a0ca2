import { cp, mkdtemp, readFile, realpath, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from '@playwright/test'
import { serviceOrSkip } from '../scripts/require-service'
import { expect, startServe, test } from './serve-fixture'

// The web-app example, built by the test services' Docker daemon (scripts/with-services.ts):
// the same timeline, layers and file trees as a build by Layerlab's own engine.
const dockerHost = serviceOrSkip('docker')
const example = fileURLToPath(new URL('../resources/examples/web-app', import.meta.url))
let project: string

test.beforeEach(async () => {
  project = await realpath(await mkdtemp(join(tmpdir(), 'layerlab-e2e-docker-')))
  await cp(example, project, { recursive: true })
})

test.afterEach(async () => {
  await rm(project, { recursive: true, force: true })
})

async function openProject(page: Page, dir: string): Promise<void> {
  await page.getByTestId('project-path').fill(dir)
  await page.getByTestId('project-path').press('Enter')
  await expect(page.getByTestId('build-controls')).toBeVisible()
}

test('builds the web-app example with the Docker backend and shows the same views', async ({ page, served }, testInfo) => {
  test.skip(!dockerHost, 'needs the test Docker daemon (run through scripts/with-services.ts)')
  await page.goto(served.url)
  // The browser host has no native folder dialog: only the path field is offered.
  await expect(page.getByTestId('project-path')).toBeVisible()
  await expect(page.getByTestId('choose-folder')).toHaveCount(0)
  await openProject(page, project)

  // The daemon answers: its version shows and Docker can be picked.
  const status = page.getByTestId('docker-status')
  await expect(status).toHaveAttribute('data-available', 'true')
  await expect(status).toContainText(/Docker \d+\.\d+/)
  await expect(page.getByTestId('backend-picker')).toHaveAttribute('data-backend', 'embedded')
  await expect(page.getByTestId('backend-docker')).toBeEnabled()
  await page.getByTestId('backend-option-docker').click()
  await expect(page.getByTestId('backend-docker')).toBeChecked()
  await expect(page.getByTestId('backend-picker')).toHaveAttribute('data-backend', 'docker')

  await page.getByTestId('build-button').click()
  await expect(page.getByTestId('build-summary')).toHaveAttribute('data-status', 'succeeded', { timeout: 90_000 })
  await expect(page.getByTestId('build-summary')).toHaveAttribute('data-backend', 'docker')
  await expect(page.getByTestId('build-backend')).toHaveText('Docker')
  const rows = page.getByTestId('step-row')
  const instructions = (await readFile(join(project, 'Dockerfile'), 'utf8')).trim().split('\n')
  await expect(rows.getByTestId('step-instruction')).toHaveText(instructions)
  // Every step finished: none left pending or running, the COPY with its layer size.
  const statuses = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))
  for (const s of statuses) expect(['built', 'cached']).toContain(s)
  const copy = rows.filter({ hasText: 'COPY public/ /www/' })
  await expect(copy).toHaveAttribute('data-status', 'built')
  await page.screenshot({ path: testInfo.outputPath('docker-build-timeline.png') })

  // The layers: the daemon's image in the same table, and the COPY layer's files.
  await page.getByTestId('tab-layers').click()
  const layerRows = page.getByTestId('layer-row')
  const copyLayer = layerRows.filter({ has: page.getByTestId('layer-instruction').getByText('COPY public/ /www/', { exact: true }) })
  await expect(copyLayer).toHaveCount(1, { timeout: 30_000 })
  await expect(copyLayer.getByTestId('layer-origin')).toHaveText('rebuilt')
  await copyLayer.click()
  await expect(page.locator('[data-testid="file-row"][data-path="www/index.html"]')).toBeVisible({ timeout: 30_000 })
  await page.screenshot({ path: testInfo.outputPath('docker-build-layers.png'), fullPage: true })

  // The choice is remembered for this project.
  await page.reload()
  await openProject(page, project)
  await expect(page.getByTestId('backend-picker')).toHaveAttribute('data-backend', 'docker')
})

test('opens an image of the Docker daemon in the Images view', async ({ page }, testInfo) => {
  test.skip(!dockerHost, 'needs the test Docker daemon (run through scripts/with-services.ts)')
  // A serve of its own: the worker's shared store holds whatever earlier specs pulled or built.
  const served = await startServe()
  try {
    await imagesView(page, served.url, testInfo.outputPath('images-view.png'))
  } finally {
    await served.stop()
  }
})

async function imagesView(page: Page, url: string, screenshot: string): Promise<void> {
  await page.goto(url)
  await openProject(page, project)
  await page.getByTestId('tab-images').click()
  const panel = page.getByTestId('images-panel')
  await expect(panel).toHaveAttribute('data-source', 'store')
  // A fresh store: it says how to get images into it.
  await expect(page.getByTestId('images-empty')).toContainText('No images in Layerlab’s store yet')

  await page.getByTestId('images-source-option-docker').click()
  await expect(panel).toHaveAttribute('data-source', 'docker')
  // scripts/with-services.ts imports busybox:latest into the test daemon.
  const busybox = page.locator('[data-testid="image-row"][data-ref="busybox:latest"]')
  await expect(busybox).toBeVisible({ timeout: 30_000 })
  await page.getByTestId('images-filter').fill('no-such-image')
  await expect(page.getByTestId('image-row')).toHaveCount(0)
  await expect(page.getByTestId('image-list')).toContainText('No image matches “no-such-image”')
  await page.getByTestId('images-filter').fill('busy')
  for (const ref of await page.getByTestId('image-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-ref') ?? ''))) {
    expect(ref).toContain('busy')
  }
  await busybox.click()

  const opened = page.getByTestId('opened-image')
  await expect(opened.getByTestId('layer-row')).toHaveCount(1, { timeout: 30_000 })
  await opened.getByTestId('layer-row').click()
  await expect(opened.locator('[data-testid="file-row"][data-path="bin"]')).toBeVisible({ timeout: 30_000 })
  await opened.getByTestId('file-filter').fill('busybox')
  await expect(opened.locator('[data-testid="file-row"][data-path="bin/busybox"]')).toBeVisible()
  await page.screenshot({ path: screenshot, fullPage: true })
}

test('without a Docker daemon, Docker cannot be picked and the UI says why and what to do', async ({ page }, testInfo) => {
  const served = await startServe({ DOCKER_HOST: 'unix:///nonexistent/layerlab-e2e/docker.sock' })
  try {
    await page.goto(served.url)
    await openProject(page, project)
    const status = page.getByTestId('docker-status')
    await expect(status).toHaveAttribute('data-available', 'false')
    await expect(status).toContainText('Docker is not available: ')
    await expect(status).toContainText('Start Docker or set DOCKER_HOST')
    await expect(page.getByTestId('backend-docker')).toBeDisabled()
    await expect(page.getByTestId('backend-embedded')).toBeChecked()

    // The Images view: the daemon cannot be chosen there either.
    await page.getByTestId('tab-images').click()
    await expect(page.getByTestId('images-source-docker')).toBeDisabled()
    await expect(page.getByTestId('images-panel')).toContainText('Docker daemon images show here once Docker is available')
    await page.screenshot({ path: testInfo.outputPath('no-docker.png') })
  } finally {
    await served.stop()
  }
})
