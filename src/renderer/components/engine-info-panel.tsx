import type { ReactNode } from 'react'
import type { EngineInfo } from '../../shared/engine-info'

function Row({ label, testId, children }: { label: string; testId: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[10rem_1fr] gap-4 py-2">
      <dt className="text-sm text-zinc-500">{label}</dt>
      <dd className="text-sm" data-testid={testId}>
        {children}
      </dd>
    </div>
  )
}

function Badge({ good, children }: { good: boolean; children: ReactNode }) {
  const tone = good
    ? 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100'
    : 'bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100'
  return <span className={`mr-2 rounded px-1.5 py-0.5 text-xs font-medium ${tone}`}>{children}</span>
}

export function EngineInfoPanel({ info }: { info: EngineInfo }) {
  const { docker } = info
  return (
    <section
      aria-labelledby="engine-heading"
      className="max-w-2xl rounded-lg border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900"
      data-testid="engine-info"
    >
      <h2 id="engine-heading" className="mb-2 text-base font-semibold">
        Engine
      </h2>
      <dl className="divide-y divide-zinc-100 dark:divide-zinc-800">
        <Row label="Layerlab" testId="engine-version">
          {info.version}
        </Row>
        <Row label="Platform" testId="engine-platform">
          {info.platform}/{info.arch}
        </Row>
        <Row label="RUN steps" testId="engine-run">
          <Badge good={info.run.supported}>{info.run.supported ? 'supported' : 'not supported'}</Badge>
          {info.run.detail}
        </Row>
        <Row label="Docker daemon" testId="engine-docker">
          {docker.available ? (
            <>
              <Badge good>answers</Badge>
              Docker <span data-testid="docker-version">{docker.version}</span> (API {docker.apiVersion},{' '}
              {docker.os}/{docker.arch}) at {docker.host}
            </>
          ) : (
            <>
              <Badge good={false}>not answering</Badge>
              {docker.reason}
            </>
          )}
        </Row>
      </dl>
    </section>
  )
}
