import type { ReactNode } from 'react'
import type { EngineInfo } from '../../shared/engine-info'

function Row({ label, testId, children }: { label: string; testId: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[5.5rem_minmax(0,1fr)] gap-2 py-1.5">
      <dt className="text-zinc-500">{label}</dt>
      <dd className="break-words" data-testid={testId}>
        {children}
      </dd>
    </div>
  )
}

function Badge({ good, children }: { good: boolean; children: ReactNode }) {
  const tone = good
    ? 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100'
    : 'bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100'
  return <span className={`mr-1.5 rounded px-1 py-px text-[11px] font-medium ${tone}`}>{children}</span>
}

/** The engine's version, platform, RUN support and Docker daemon: a small status area. */
export function EngineInfoPanel({ info }: { info: EngineInfo }) {
  const { docker } = info
  return (
    <section aria-labelledby="engine-heading" className="text-xs" data-testid="engine-info">
      <h2 id="engine-heading" className="mb-1 text-sm font-semibold">
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
          <span className="text-zinc-500">{info.run.detail}</span>
        </Row>
        <Row label="Docker" testId="engine-docker">
          {docker.available ? (
            <>
              <Badge good>answers</Badge>
              Docker <span data-testid="docker-version">{docker.version}</span>{' '}
              <span className="text-zinc-500">
                (API {docker.apiVersion}, {docker.os}/{docker.arch}) at {docker.host}
              </span>
            </>
          ) : (
            <>
              <Badge good={false}>not answering</Badge>
              <span className="text-zinc-500">{docker.reason}</span>
              {docker.tried && docker.tried.length > 1 ? (
                <ul className="mt-1 text-xs text-zinc-500" data-testid="docker-tried">
                  {docker.tried.map((attempt) => (
                    <li key={attempt.host}>
                      {attempt.host}: {attempt.reason}
                    </li>
                  ))}
                </ul>
              ) : null}
            </>
          )}
        </Row>
      </dl>
    </section>
  )
}
