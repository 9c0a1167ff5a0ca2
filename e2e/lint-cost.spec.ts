import { chmod, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serviceOrSkip } from '../scripts/require-service'
import { expect, test } from './serve-fixture'

// busybox has no apt: a stand-in apt-get writes package lists of known sizes, as `apt-get update`
// fills /var/lib/apt/lists. The lint fires on the text; the cost is read from the built layer.
const fakeAptGet = `#!/bin/sh
case " $* " in
  *" update "*)
    mkdir -p /var/lib/apt/lists
    head -c 500000 /dev/zero > /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages
    head -c 20000 /dev/zero > /var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease ;;
esac
`

const registry = serviceOrSkip('registry')
let project: string

test.beforeEach(async () => {
  project = await realpath(await mkdtemp(join(tmpdir(), 'layerlab-e2e-lint-')))
  // The project path in the script makes its COPY (and so the RUN) miss other specs' cache.
  await writeFile(join(project, 'apt-get'), `${fakeAptGet}# ${project}\n`)
  await chmod(join(project, 'apt-get'), 0o755)
  await mkdir(join(project, '.git', 'objects'), { recursive: true })
  await writeFile(join(project, '.git', 'HEAD'), 'ref: refs/heads/main\n')
  await writeFile(join(project, '.git', 'objects', 'pack'), 'p'.repeat(30_000))
  await writeFile(
    join(project, 'Dockerfile'),
    `FROM ${registry}/library/busybox:latest\nCOPY apt-get /usr/local/bin/\nRUN apt-get update && apt-get install -y curl\nCOPY . /src\n`,
  )
})

test.afterEach(async () => {
  await rm(project, { recursive: true, force: true })
})

test('size and cache lint: a finding with its measured cost after a build, and quick fixes', async ({ page, served }, testInfo) => {
  test.skip(!registry, 'needs the test registry (run through scripts/with-services.ts)')
  await page.goto(served.url)
  await page.getByTestId('project-path').fill(project)
  await page.getByTestId('project-path').press('Enter')
  const editor = page.getByTestId('dockerfile-editor')
  await expect(editor.locator('.cm-content')).toContainText('apt-get install -y curl')

  // Before any build: the finding is at `apt-get install` on line 3, without a number yet.
  const line3 = editor.locator('.cm-line').nth(2)
  const install = line3.locator('.cm-lintRange', { hasText: 'apt-get install' }).first()
  await expect(install).toBeVisible({ timeout: 15_000 })
  const tooltip = page.locator('.cm-tooltip-lint')
  const finding = (rule: string) => tooltip.locator('li', { has: page.locator(`[data-testid="lint-message"][data-rule="${rule}"]`) })
  const hover = async (target: typeof install) => {
    await page.mouse.move(0, 0)
    await expect(tooltip).toHaveCount(0)
    await target.hover()
    await expect(tooltip).toBeVisible()
  }
  await hover(install)
  const lists = finding('apt-lists-left')
  await expect(lists).toContainText('apt-get install without rm -rf /var/lib/apt/lists/* in the same RUN')
  await expect(lists.getByTestId('lint-cost')).toHaveCount(0)
  await expect(finding('apt-no-recommends')).toContainText('without --no-install-recommends')

  // The context's .git is measured at once: 21 + 30000 bytes, at the `.` of COPY . /src.
  const copyAll = editor.locator('.cm-line').nth(3).locator('.cm-lintRange').first()
  await hover(copyAll)
  const ignore = finding('dockerignore-missing')
  await expect(ignore.getByTestId('lint-cost')).toHaveText(' — measured: context: .git (30kB in 2 files)')

  // After a build: the bytes the RUN really left in its layer.
  await page.getByTestId('build-button').click()
  await expect(page.getByTestId('build-summary')).toHaveAttribute('data-status', 'succeeded', { timeout: 90_000 })
  await expect(async () => {
    await hover(install)
    await expect(lists.getByTestId('lint-cost')).toHaveText(/^ — measured: \/var\/lib\/apt\/lists: 520kB in 2 files, in layer \d+ of \d+$/, { timeout: 1000 })
  }).toPass({ timeout: 20_000 })
  await expect(lists.getByTestId('lint-cost')).toHaveAttribute('data-bytes', '520000')
  await page.screenshot({ path: testInfo.outputPath('lint-cost.png') })

  // Quick fix: the cleanup is appended to the RUN, the finding goes, the file on disk follows.
  await lists.getByRole('button', { name: 'Append && rm -rf /var/lib/apt/lists/*' }).click()
  await expect(line3).toHaveText('RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*')
  await expect(async () => {
    await hover(install)
    await expect(finding('apt-no-recommends')).toBeVisible({ timeout: 1000 })
    await expect(lists).toHaveCount(0, { timeout: 1000 })
  }).toPass({ timeout: 20_000 })
  await expect.poll(() => readFile(join(project, 'Dockerfile'), 'utf8')).toContain('apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nCOPY . /src\n')

  // The .dockerignore fix writes the file (never over one) and the finding goes.
  await hover(copyAll)
  await ignore.getByRole('button', { name: 'Create .dockerignore with .git' }).click()
  await expect.poll(() => readFile(join(project, '.dockerignore'), 'utf8').catch(() => '')).toBe('.git\n')
  // Nothing else is found at the `.` of COPY . /src: its underline goes.
  await expect(editor.locator('.cm-line').nth(3).locator('.cm-lintRange')).toHaveCount(0, { timeout: 20_000 })
})
