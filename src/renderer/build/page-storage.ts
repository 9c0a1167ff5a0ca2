/** The page's localStorage, or undefined where it is disabled (then nothing is remembered). */
export function pageStorage(): Storage | undefined {
  try {
    return window.localStorage
  } catch {
    return undefined
  }
}
