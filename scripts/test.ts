// `npm test`: every check the project has, in order, against real services.
//   build → typecheck → lint → unit → (start services) integration → e2e (stop services)
// `npm test -- unit lint` runs only the named steps. Each step runs even if an earlier one
// failed, so one run shows everything that is broken; the exit status is non-zero if any failed.
import { spawn } from 'node:child_process'
import { servicesEnv, startServices, type TestServices } from './services.js'

interface Step {
  name: string
  command: string[]
  needsServices?: boolean
}

const bin = (name: string): string => `node_modules/.bin/${name}`

const steps: Step[] = [
  { name: 'build', command: ['sh', '-c', `${bin('electron-vite')} build && node scripts/build-cli.mjs`] },
  { name: 'typecheck', command: [bin('tsc'), '-b', 'tsconfig.json'] },
  { name: 'lint', command: [bin('eslint'), '--max-warnings', '0', '.'] },
  { name: 'unit', command: [bin('vitest'), 'run', '--project', 'unit'] },
  { name: 'integration', command: [bin('vitest'), 'run', '--project', 'integration'], needsServices: true },
  { name: 'e2e', command: [bin('playwright'), 'test'], needsServices: true },
]

function run(command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [cmd, ...args] = command as [string, ...string[]]
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env })
    child.once('error', (error) => {
      console.error(`test: cannot run ${cmd}: ${error.message}`)
      resolve(127)
    })
    child.once('exit', (code, signal) => resolve(signal ? 1 : (code ?? 1)))
  })
}

async function main(only: string[]): Promise<number> {
  const unknown = only.filter((name) => !steps.some((s) => s.name === name))
  if (unknown.length > 0) {
    console.error(`test: unknown step ${unknown.join(', ')}; steps are ${steps.map((s) => s.name).join(', ')}`)
    return 2
  }
  const selected = only.length > 0 ? steps.filter((s) => only.includes(s.name)) : steps
  const results: { name: string; ok: boolean; seconds: number }[] = []
  let services: TestServices | undefined
  let env: NodeJS.ProcessEnv = process.env
  const servicesGiven = Boolean(process.env.LAYERLAB_TEST_DOCKER_HOST)

  try {
    for (const step of selected) {
      if (step.needsServices && !servicesGiven && !services) {
        const started = Date.now()
        try {
          services = await startServices({ log: (line) => console.log(`[services] ${line}`) })
          env = { ...process.env, ...servicesEnv(services) }
          console.log(`[services] up in ${((Date.now() - started) / 1000).toFixed(1)} s`)
        } catch (error) {
          // The tests themselves decide: under CI=true a missing service fails them, elsewhere
          // they skip with the reason.
          console.error(`[services] could not start: ${(error as Error).message}`)
        }
      }
      console.log(`\n=== ${step.name}: ${step.command.join(' ')}`)
      const started = Date.now()
      const code = await run(step.command, env)
      results.push({ name: step.name, ok: code === 0, seconds: (Date.now() - started) / 1000 })
    }
  } finally {
    await services?.stop().catch((error: Error) => console.error(`[services] stop failed: ${error.message}`))
  }

  console.log('\n=== summary')
  for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(12)} ${r.seconds.toFixed(1)} s`)
  const failed = results.filter((r) => !r.ok).length
  console.log(`steps: ${results.length - failed} passed, ${failed} failed`)
  return failed === 0 ? 0 : 1
}

process.exitCode = await main(process.argv.slice(2))
