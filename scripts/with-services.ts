// Usage: tsx scripts/with-services.ts <command> [args...]
//   Starts the test services, runs the command with LAYERLAB_TEST_* (and DOCKER_HOST) in its
//   environment, stops the services and exits with the command's exit code. If the services are
//   already described by the environment (LAYERLAB_TEST_DOCKER_HOST), only runs the command.
// Usage: tsx scripts/with-services.ts
//   Starts the services, prints `export` lines for a shell and keeps them up until Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process'
import { constants } from 'node:os'
import { servicesEnv, startServices, type TestServices } from './services.js'

const log = (line: string): void => {
  process.stderr.write(`[services] ${line}\n`)
}

function exitCodeFor(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 1)
}

function runCommand(argv: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<number> } {
  const [cmd, ...args] = argv as [string, ...string[]]
  const child = spawn(cmd, args, { stdio: 'inherit', env })
  const done = new Promise<number>((resolve) => {
    child.once('error', (err) => {
      log(`cannot run ${cmd}: ${err.message}`)
      resolve(127)
    })
    child.once('exit', (code, signal) => resolve(signal ? exitCodeFor(signal) : (code ?? 1)))
  })
  return { child, done }
}

function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

async function main(argv: string[]): Promise<number> {
  if (argv.length > 0 && process.env.LAYERLAB_TEST_DOCKER_HOST) {
    return runCommand(argv, process.env).done
  }

  let services: TestServices | undefined
  let child: ChildProcess | undefined
  let interrupted: NodeJS.Signals | undefined
  let finished: ((code: number) => void) | undefined
  // Settles on a signal that arrives while no command is running (start-up, or the no-command mode).
  const interruptedExit = new Promise<number>((resolve) => (finished = resolve))

  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) {
      // A second Ctrl-C: the user does not want to wait for the command to wind down. The services
      // are still stopped, since leaving a dockerd behind is worse than a few seconds' wait.
      child?.kill('SIGKILL')
      log('still stopping, please wait')
      return
    }
    interrupted = signal
    log(`${signal}: stopping`)
    if (child && child.exitCode === null && child.signalCode === null) {
      // A terminal Ctrl-C already reached the command (same process group), and a second SIGINT
      // makes runners like vitest abort without cleaning up; a SIGTERM sent to us alone did not
      // reach it, so pass that one on. The services are stopped once the command has exited.
      if (signal === 'SIGTERM') child.kill(signal)
    } else {
      finished?.(exitCodeFor(signal))
    }
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  try {
    // Not raced against signals: the daemons are in their own process groups and would outlive an
    // abandoned start-up, so a Ctrl-C here takes effect (and cleans up) once start-up has finished.
    services = await startServices({ log })
    if (interrupted) return exitCodeFor(interrupted)
    const env = servicesEnv(services)

    if (argv.length === 0) {
      for (const [k, v] of Object.entries(env)) process.stdout.write(`export ${k}=${quote(v)}\n`)
      log(`services are up (logs in ${services.workDir}); press Ctrl-C to stop them`)
      // Our daemons are unref'd, so something has to keep the event loop alive until a signal.
      const keepAlive = setInterval(() => undefined, 1 << 30)
      await interruptedExit
      clearInterval(keepAlive)
      return 0
    }

    const running = runCommand(argv, { ...process.env, ...env })
    child = running.child
    const code = await running.done
    return interrupted ? exitCodeFor(interrupted) : code
  } catch (err) {
    // Ctrl-C during start-up also hits the helpers it runs (tar, skopeo); that is not a failure to report.
    if (interrupted) return exitCodeFor(interrupted)
    throw err
  } finally {
    await services?.stop().catch((err: Error) => log(`stopping services failed: ${err.message}`))
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(err instanceof Error ? (err.stack ?? err.message) : String(err))
    process.exit(1)
  },
)
