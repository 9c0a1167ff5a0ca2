import { describeMissReason, type BuildEvent, type PlannedStep } from '../shared/build-events'

/**
 * BuildKit's plain progress (`#N [stage i/n] INSTR`, `#N CACHED`, `#N DONE 0.1s`), plus the
 * reason for every step that missed the cache: the part `docker build` never tells you.
 */
export function plainProgress(write: (line: string) => void): (event: BuildEvent) => void {
  const vertex = new Map<string, number>()
  const labels = new Map<string, string>()
  let next = 1
  let startedAt = 0

  return (event) => {
    switch (event.type) {
      case 'build-started':
        startedAt = event.time
        break
      case 'plan':
        for (const { steps } of event.stages) {
          // BuildKit numbers only the steps that make or name a filesystem.
          const shown = steps.filter((s) => s.kind !== 'metadata')
          for (const [i, step] of shown.entries()) labels.set(step.id, label(step, i + 1, shown.length))
        }
        break
      case 'step-started':
        if (!labels.has(event.stepId)) break
        vertex.set(event.stepId, next++)
        write(`#${vertex.get(event.stepId)} ${labels.get(event.stepId)}`)
        break
      case 'step-log': {
        const n = vertex.get(event.stepId)
        if (n === undefined) break
        const seconds = ((event.time - startedAt) / 1000).toFixed(3)
        for (const line of event.text.replace(/\n$/, '').split('\n')) write(`#${n} ${seconds} ${line}`)
        break
      }
      case 'step-finished': {
        const n = vertex.get(event.stepId)
        if (n === undefined) break
        if (event.status === 'cached') write(`#${n} CACHED`)
        else if (event.status === 'failed') write(`#${n} ERROR: ${event.error?.message ?? 'failed'}`)
        else if (event.status === 'built') {
          if (event.reason) write(`#${n} REBUILT: ${describeMissReason(event.reason)}`)
          write(`#${n} DONE ${(event.durationMs / 1000).toFixed(1)}s`)
        }
        write('')
        break
      }
      case 'warning':
        write(`WARNING: ${event.message}`)
        break
      case 'build-finished': {
        if (event.image) {
          const n = next++
          write(`#${n} exporting to image`)
          write(`#${n} writing image ${event.image.digest} done`)
          for (const tag of event.image.tags) write(`#${n} naming to ${tag} done`)
          write(`#${n} DONE 0.0s`)
        }
        break
      }
    }
  }
}

/** `[stage i/n] INSTRUCTION`, as BuildKit names a vertex. */
export function label(step: PlannedStep, i: number, n: number): string {
  const stage = step.stage.name ?? ''
  const position = `${String(i).padStart(String(n).length)}/${n}`
  return `[${stage ? `${stage} ` : ''}${position}] ${step.instruction}`
}
