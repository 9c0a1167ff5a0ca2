import { cp, mkdtemp, realpath, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { serviceOrSkip } from '../scripts/require-service'
import { expect, test } from './serve-fixture'

// The example projects a user is pointed at: each builds on busybox (here the test daemon's
// copy, as on a machine with Docker) and every step finishes, the layer steps with their size.
const dockerHost = serviceOrSkip('docker')
const examples = fileURLToPath(new URL('../resources/examples/', import.meta.url))
const copies: string[] = []

test.afterAll(async () => {
  await Promise.all(copies.map((dir) => rm(dir, { recursive: true, force: true })))
})

const cases = [
  { name: 'web-app', stages: 1, layered: ['WORKDIR /www', 'COPY public/ /www/'] },
  { name: 'multi-stage', stages: 2, layered: ['COPY src/ ./', 'RUN cat header.txt body.txt > /report.txt && wc -l /report.txt', 'COPY --from=build /report.txt /app/report.txt'] },
  { name: 'cache-busting', stages: 1, layered: ['COPY . .', 'RUN sh deps/install.sh'] },
]

for (const example of cases) {
  test(`builds the ${example.name} example and shows every step finished with its layer size`, async ({ page, served }, testInfo) => {
    test.skip(!dockerHost, 'the examples build FROM busybox, which the test Docker daemon supplies (run through scripts/with-services.ts)')
    const project = await realpath(await mkdtemp(join(tmpdir(), `layerlab-e2e-example-${example.name}-`)))
    copies.push(project)
    await cp(join(examples, example.name), project, { recursive: true })

    await page.goto(served.url)
    await page.getByTestId('project-path').fill(project)
    await page.getByTestId('project-path').press('Enter')
    await page.getByTestId('build-button').click()
    await expect(page.getByTestId('build-summary')).toHaveAttribute('data-status', 'succeeded', { timeout: 90_000 })
    await expect(page.getByTestId('stage')).toHaveCount(example.stages)
    for (const status of await page.getByTestId('step-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')))) {
      expect(['built', 'cached']).toContain(status)
    }
    for (const instruction of example.layered) {
      const row = page.getByTestId('step-row').filter({ has: page.getByTestId('step-instruction').getByText(instruction, { exact: true }) })
      await expect(row.getByTestId('step-layer-size')).toHaveText(/^\d+(\.\d+)?[kM]?B$/)
    }
    // Tall enough for every stage of the timeline under the editor.
    await page.setViewportSize({ width: 1280, height: 1080 })
    await page.screenshot({ path: testInfo.outputPath(`example-${example.name}.png`) })
  })
}
