/** Recently opened project folders, newest first, kept in the page's localStorage. */
const key = 'layerlab:recent-projects'
export const maxRecent = 8

export function addRecent(list: readonly string[], dir: string): string[] {
  return [dir, ...list.filter((d) => d !== dir)].slice(0, maxRecent)
}

export function removeRecent(list: readonly string[], dir: string): string[] {
  return list.filter((d) => d !== dir)
}

export function parseRecent(text: string | null): string[] {
  if (!text) return []
  try {
    const value = JSON.parse(text) as unknown
    return Array.isArray(value) ? value.filter((d): d is string => typeof d === 'string' && d.length > 0).slice(0, maxRecent) : []
  } catch {
    return []
  }
}

export function loadRecent(storage: Pick<Storage, 'getItem'> | undefined): string[] {
  try {
    return parseRecent(storage?.getItem(key) ?? null)
  } catch {
    return []
  }
}

export function saveRecent(storage: Pick<Storage, 'setItem'> | undefined, list: readonly string[]): void {
  try {
    storage?.setItem(key, JSON.stringify(list))
  } catch {
    // Storage full or disabled: recent projects are a convenience, not state worth failing for.
  }
}
