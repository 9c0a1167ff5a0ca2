import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { DockerfileParseError, describeDockerfile, dumpResult, parseDockerfile } from '../../engine'
import { CliError, UsageError } from '../usage-error'

export const parseUsage = `Usage: layerlab parse [-f FILE] [--format json|dump]

Parses a Dockerfile as BuildKit does and prints the result.

Options:
  -f, --file FILE      the Dockerfile (default: ./Dockerfile; "-" reads standard input)
      --format dump    the parse tree in the line format of BuildKit's parser test results,
                       to compare with BuildKit's own parser
      --format json    instructions with source ranges, flags, arguments, heredocs, and the
                       stages (default)
  -h, --help           show this help`

export async function parseCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      file: { type: 'string', short: 'f', default: 'Dockerfile' },
      format: { type: 'string', default: 'json' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  })
  if (values.help) {
    console.log(parseUsage)
    return 0
  }
  if (values.format !== 'json' && values.format !== 'dump') {
    throw new UsageError(`--format must be json or dump, not "${values.format}"`)
  }
  const file = values.file
  const text = await readDockerfile(file)
  try {
    if (values.format === 'dump') {
      // BuildKit's parser keeps unknown instructions in its tree; the dump must too.
      process.stdout.write(dumpResult(parseDockerfile(text, { rejectUnknownInstructions: false })))
    } else {
      process.stdout.write(`${JSON.stringify(describeDockerfile(text), null, 2)}\n`)
    }
  } catch (error) {
    if (error instanceof DockerfileParseError) {
      const { line, column } = error.location.start
      throw new CliError(`${file === '-' ? '<stdin>' : file}:${line}:${column}: ${error.detail}`)
    }
    throw error
  }
  return 0
}

async function readDockerfile(file: string): Promise<string> {
  try {
    if (file !== '-') return await readFile(file, 'utf8')
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new CliError(`${file}: no such file`)
    if (code === 'EISDIR') throw new CliError(`${file}: is a directory, not a Dockerfile`)
    throw new CliError(`${file}: ${(error as Error).message}`)
  }
}
