import { describe, expect, it } from 'vitest'
import { isAllowedNavigation, isTrustedSenderUrl } from './sender-check'

describe('isTrustedSenderUrl', () => {
  const page = 'file:///opt/Layerlab/resources/app/out/renderer/index.html'

  it('trusts our own built page, with or without a query or hash', () => {
    expect(isTrustedSenderUrl(page, page)).toBe(true)
    expect(isTrustedSenderUrl(`${page}#layers`, page)).toBe(true)
  })

  it('refuses other files, other schemes, missing and malformed URLs', () => {
    expect(isTrustedSenderUrl('file:///tmp/evil.html', page)).toBe(false)
    expect(isTrustedSenderUrl('https://example.com/', page)).toBe(false)
    expect(isTrustedSenderUrl('about:blank', page)).toBe(false)
    expect(isTrustedSenderUrl(undefined, page)).toBe(false)
    expect(isTrustedSenderUrl('not a url', page)).toBe(false)
  })

  it('trusts the dev server origin only', () => {
    const dev = 'http://localhost:5173/'
    expect(isTrustedSenderUrl('http://localhost:5173/index.html', dev)).toBe(true)
    expect(isTrustedSenderUrl('http://localhost:5174/', dev)).toBe(false)
    expect(isTrustedSenderUrl('http://127.0.0.1:5173/', dev)).toBe(false)
  })

  it('allows navigation only back to the page', () => {
    expect(isAllowedNavigation(page, page)).toBe(true)
    expect(isAllowedNavigation('https://github.com/', page)).toBe(false)
  })
})
