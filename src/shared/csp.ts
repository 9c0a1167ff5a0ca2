/**
 * The renderer's Content-Security-Policy, shared by the built index.html (Electron) and the
 * `layerlab serve` response headers. Styles allow 'unsafe-inline' because the editor injects
 * its theme as style elements; scripts never do.
 */
export const rendererCsp = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ')
