// The legacy builder's progress (/build with version=1): JSON messages whose `stream` text reads
//   Step 2/4 : COPY app.sh /app.sh
//    ---> Using cache
//    ---> Running in 2f1d3c7a9b10
//   <command output>
//    ---> Removed intermediate container 2f1d3c7a9b10
//    ---> 7f9e2e0e5d21
//   Successfully built 7f9e2e0e5d21
// and `{ error, errorDetail }` when a step fails, `{ aux: { ID } }` with the image id. A pure,
// incremental parser: text may arrive split anywhere; each complete line is classified.

export interface LegacyMessage {
  stream?: string
  status?: string
  error?: string
  errorDetail?: { code?: number; message?: string }
  aux?: unknown
}

export type LegacyEvent =
  /** `Step N/M : INSTR` */
  | { type: 'step'; number: number; total: number; instruction: string }
  /** The current step came from the cache (` ---> Using cache`). */
  | { type: 'cached'; step: number }
  | { type: 'running'; step: number; container: string }
  /** Output of the step's command, or builder notes inside the step; `text` ends with `\n`. */
  | { type: 'log'; step: number; text: string; stream: 'stdout' | 'stderr' }
  /** ` ---> <id>`: the step is done and this is its image. */
  | { type: 'step-done'; step: number; imageId: string }
  /** `Successfully built <id>` or aux `{ ID }`. */
  | { type: 'image'; id: string }
  | { type: 'tagged'; ref: string }
  /** The build failed (during `step`, 0 when before any step). */
  | { type: 'error'; step: number; message: string }

const ESC = String.fromCharCode(27)
const STDERR_MARK = new RegExp(`^${ESC}\\[(91|0)m`)
const STDERR_MARK_END = new RegExp(`${ESC}\\[(91|0)m$`)
const INTERMEDIATE = /^Remov(ed|ing) intermediate container [0-9a-f]+$/

export class LegacyProgressParser {
  private partial = ''
  private step = 0
  /** The legacy builder wraps a command's stderr in `ESC[91m` … `ESC[0m`. */
  private stderr = false

  /** The step in progress (0 before the first). */
  get currentStep(): number {
    return this.step
  }

  push(message: LegacyMessage): LegacyEvent[] {
    const events: LegacyEvent[] = []
    if (typeof message.stream === 'string') {
      const lines = (this.partial + message.stream).split('\n')
      this.partial = lines.pop() ?? ''
      for (const line of lines) this.line(line, events)
    }
    const aux = message.aux as { ID?: unknown } | undefined
    if (aux && typeof aux === 'object' && typeof aux.ID === 'string') events.push({ type: 'image', id: aux.ID })
    const error = message.errorDetail?.message ?? message.error
    if (typeof error === 'string') {
      this.flush(events)
      events.push({ type: 'error', step: this.step, message: error.replace(/\n+$/, '') })
    }
    return events
  }

  /** The stream ended: a last line without its newline. */
  end(): LegacyEvent[] {
    const events: LegacyEvent[] = []
    this.flush(events)
    return events
  }

  private flush(events: LegacyEvent[]): void {
    if (this.partial !== '') {
      const rest = this.partial
      this.partial = ''
      this.line(rest, events)
    }
  }

  private line(raw: string, events: LegacyEvent[]): void {
    let line = raw.replace(/\r$/, '')
    for (let m = STDERR_MARK.exec(line); m; m = STDERR_MARK.exec(line)) {
      this.stderr = m[1] === '91'
      line = line.slice(m[0].length)
    }
    const stream = this.stderr ? 'stderr' : 'stdout'
    const trailing = STDERR_MARK_END.exec(line)
    if (trailing) {
      line = line.slice(0, -trailing[0].length)
      this.stderr = trailing[1] === '91'
    }
    if (line === '' && (trailing || raw !== line)) return
    const step = /^Step (\d+)\/(\d+) : (.*)$/s.exec(line)
    if (step) {
      this.step = Number(step[1])
      events.push({ type: 'step', number: this.step, total: Number(step[2]), instruction: step[3] ?? '' })
      return
    }
    const arrow = /^ ---> (.*)$/.exec(line)
    if (arrow && this.step > 0) {
      const rest = (arrow[1] ?? '').trim()
      if (rest === 'Using cache') events.push({ type: 'cached', step: this.step })
      else if (rest.startsWith('Running in ')) events.push({ type: 'running', step: this.step, container: rest.slice('Running in '.length) })
      else if (INTERMEDIATE.test(rest)) return
      else if (/^[0-9a-f]{12,64}$/.test(rest)) events.push({ type: 'step-done', step: this.step, imageId: rest })
      else events.push({ type: 'log', step: this.step, text: `${rest}\n`, stream: 'stdout' })
      return
    }
    const built = /^Successfully built ([0-9a-f]+)$/.exec(line)
    if (built) {
      events.push({ type: 'image', id: built[1] ?? '' })
      return
    }
    const tagged = /^Successfully tagged (.+)$/.exec(line)
    if (tagged) {
      events.push({ type: 'tagged', ref: tagged[1] ?? '' })
      return
    }
    if (INTERMEDIATE.test(line)) return
    if (this.step > 0) events.push({ type: 'log', step: this.step, text: `${line}\n`, stream })
  }
}
