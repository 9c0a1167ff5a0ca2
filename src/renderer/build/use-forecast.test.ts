import { describe, expect, it } from 'vitest'
import { initialForm } from './build-form'
import { forecastArgs, forecastPollMs, nextPollMs } from './use-forecast'

describe('forecastArgs', () => {
  const form = { ...initialForm('app.Dockerfile'), target: 'final', noCache: true, tag: 'ignored:1', args: [{ id: 1, key: 'V', value: '2' }] }

  it('asks for the editor text with the build controls as they are (tags do not matter to the cache)', () => {
    expect(forecastArgs('/p', form, 'embedded', 'FROM scratch\n')).toEqual({
      dir: '/p',
      dockerfile: 'app.Dockerfile',
      text: 'FROM scratch\n',
      buildArgs: { V: '2' },
      target: 'final',
      noCache: true,
    })
  })

  it('asks nothing before the editor has the text, for the Docker backend, or for a form the build would refuse', () => {
    expect(forecastArgs('/p', form, 'embedded', undefined)).toBeUndefined()
    expect(forecastArgs('/p', form, 'docker', 'FROM scratch\n')).toBeUndefined()
    expect(forecastArgs('/p', { ...form, args: [{ id: 1, key: '', value: 'x' }] }, 'embedded', 'FROM scratch\n')).toBeUndefined()
  })
})

describe('nextPollMs', () => {
  it('polls every few seconds for a quick forecast and backs off for a slow one', () => {
    expect(nextPollMs(20)).toBe(forecastPollMs)
    expect(nextPollMs(600)).toBe(12_000)
    expect(nextPollMs(600)).toBeGreaterThan(nextPollMs(300))
  })
})
