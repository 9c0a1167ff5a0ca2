import { readFileSync } from 'node:fs'
import Docker from 'dockerode'
import { serviceOrSkip } from '../scripts/require-service'
import { expect, test } from './serve-fixture'

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

test('the page loads the app shell and renders engine info fetched through the contract', async ({ page, served }, testInfo) => {
  const dockerHost = serviceOrSkip('docker')
  test.skip(!dockerHost, 'needs the test Docker engine (run through npm test)')
  const daemon = await new Docker({ socketPath: new URL(dockerHost ?? '').pathname }).version()

  await page.goto(served.url)
  await expect(page.getByTestId('app-header')).toContainText('Layerlab')

  const panel = page.getByTestId('engine-info')
  await expect(panel).toBeVisible()
  await expect(page.getByTestId('engine-version')).toHaveText(version)
  await expect(page.getByTestId('engine-platform')).toHaveText(`${process.platform}/${process.arch}`)
  await expect(page.getByTestId('engine-run')).toContainText(process.platform === 'linux' ? 'supported' : 'not supported')
  // The daemon is the private test engine the page's host was pointed at: its version must be
  // the one the daemon itself reports, so a made-up answer cannot pass.
  await expect(page.getByTestId('docker-version')).toHaveText(daemon.Version)
  await expect(page.getByTestId('engine-docker')).toContainText(dockerHost ?? '')

  await page.screenshot({ path: testInfo.outputPath('app-shell.png'), fullPage: true })
  await testInfo.attach('app-shell', { path: testInfo.outputPath('app-shell.png'), contentType: 'image/png' })
})

test('a page opened without the token explains what to do instead of failing silently', async ({ page, served }) => {
  await page.goto(`${served.origin}/`)
  await expect(page.getByRole('alert')).toContainText('layerlab serve')
})

test('the content security policy blocks inline scripts', async ({ page, served }) => {
  const violations: string[] = []
  page.on('console', (message) => {
    if (/Content Security Policy/.test(message.text())) violations.push(message.text())
  })
  await page.goto(served.url)
  await expect(page.getByTestId('app-header')).toBeVisible()
  const ran = await page.evaluate(() => {
    const script = document.createElement('script')
    script.textContent = 'window.__inlineRan = true'
    document.body.append(script)
    return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true
  })
  expect(ran).toBe(false)
  expect(violations.length).toBeGreaterThan(0)
})
