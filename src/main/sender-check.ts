/**
 * Whether an IPC message comes from our own renderer page. Checked on every handler: a frame
 * that navigated elsewhere, or an injected iframe, must not reach the engine.
 */
export function isTrustedSenderUrl(senderUrl: string | undefined, trustedPageUrl: string): boolean {
  if (!senderUrl) return false
  let sender: URL
  let trusted: URL
  try {
    sender = new URL(senderUrl)
    trusted = new URL(trustedPageUrl)
  } catch {
    return false
  }
  if (sender.protocol !== trusted.protocol) return false
  if (trusted.protocol === 'file:') return sender.pathname === trusted.pathname
  // A dev server: the same origin is our page (Vite serves only the renderer there).
  return sender.origin === trusted.origin
}

/** Navigation inside the window is allowed only to the page itself (e.g. a reload). */
export function isAllowedNavigation(targetUrl: string, trustedPageUrl: string): boolean {
  return isTrustedSenderUrl(targetUrl, trustedPageUrl)
}
