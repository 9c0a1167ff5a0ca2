// Docker 20.10's built-in BuildKit predates a few history formats current BuildKit writes; the
// tests that compare with that daemon translate ours into its older text instead of ignoring
// the lines.
import type { Command } from '../../dockerfile'

export function toEngine2010(createdBy: string, instruction: Command | undefined): string {
  if (instruction?.kind === 'arg') return 'ARG ' + instruction.args.map((a) => (a.value === null ? a.key : `${a.key}=${a.value}`)).join(' ')
  const expose = /^EXPOSE \[(.*)\]$/.exec(createdBy)
  if (expose) {
    const ports = [...new Set((expose[1] ?? '').split(' '))].sort()
    return `EXPOSE map[${ports.map((p) => `${p}:{}`).join(' ')}]`
  }
  const health = /^HEALTHCHECK &\{(\[.*\]) ("[^"]*") ("[^"]*") ("[^"]*") "[^"]*" ('.*')\}$/.exec(createdBy)
  if (health) return `HEALTHCHECK &{${health.slice(1).join(' ')}}`
  return createdBy.replace(/^(COPY|ADD)(?: --parents)?(?: --chown=\S+)?(?: --chmod=\S+)?/, '$1')
}
