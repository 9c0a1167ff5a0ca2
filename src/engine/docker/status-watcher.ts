import type { DockerStatus } from '../../shared/engine-info'

export interface StatusWatcherOptions {
  probe: () => Promise<DockerStatus>
  onChange: (status: DockerStatus) => void
  intervalMs?: number
}

/**
 * Re-probes the daemon while somebody is listening and reports only changes, so a user who
 * starts Docker after opening the app sees it appear without pressing anything.
 */
export class DockerStatusWatcher {
  private timer: NodeJS.Timeout | undefined
  private last: string | undefined
  private running = false

  constructor(private readonly options: StatusWatcherOptions) {}

  start(): void {
    if (this.running) return
    this.running = true
    void this.tick()
  }

  stop(): void {
    this.running = false
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }

  /** Records a status obtained elsewhere (an engineInfo call) so it is not reported again. */
  observe(status: DockerStatus): void {
    this.last = JSON.stringify(status)
  }

  private async tick(): Promise<void> {
    const status = await this.options.probe()
    if (!this.running) return
    const key = JSON.stringify(status)
    if (key !== this.last) {
      this.last = key
      this.options.onChange(status)
    }
    this.timer = setTimeout(() => void this.tick(), this.options.intervalMs ?? 5000)
    this.timer.unref()
  }
}
