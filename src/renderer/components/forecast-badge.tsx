import { describeForecast, type ForecastStatus, type StepForecast } from '../../shared/forecast-api'

const styles: Record<ForecastStatus, { label: string; tone: string }> = {
  cached: { label: 'next: cached', tone: 'text-sky-700 dark:text-sky-300' },
  rebuild: { label: 'will rebuild', tone: 'bg-amber-100 text-amber-900 dark:bg-amber-900/60 dark:text-amber-100' },
  uncertain: { label: 'may rebuild', tone: 'border border-dashed border-zinc-400 text-zinc-600 dark:border-zinc-500 dark:text-zinc-300' },
  pull: { label: 'will pull', tone: 'bg-sky-100 text-sky-900 dark:bg-sky-900/60 dark:text-sky-100' },
  fail: { label: 'will fail', tone: 'bg-red-100 text-red-900 dark:bg-red-900/60 dark:text-red-100' },
  'not-run': { label: 'won’t run', tone: 'text-zinc-500 dark:text-zinc-400' },
}

/** What the next build will do with a step, as a small pill; the reason is its tooltip. */
export function ForecastBadge({ step }: { step: Pick<StepForecast, 'status' | 'reason' | 'detail'> }) {
  const { label, tone } = styles[step.status]
  const text = describeForecast(step)
  return (
    <span
      className={`inline-flex h-4 shrink-0 items-center rounded-full px-1.5 text-[11px] font-medium ${tone}`}
      data-testid="forecast-badge"
      data-status={step.status}
      title={`Next build ${text}`}
    >
      {label}
    </span>
  )
}

/** The reason part of a forecast, for a row's detail line. */
export function forecastReasonText(step: Pick<StepForecast, 'status' | 'reason' | 'detail'>): string | undefined {
  if (step.status === 'cached' || step.status === 'not-run') return undefined
  const text = describeForecast(step)
  const colon = text.indexOf(': ')
  return colon < 0 ? text : text.slice(colon + 2)
}
