/**
 * The calls the window's host answers rather than the engine: what the host is and what only it
 * can do (a native folder dialog). Electron's main process and `layerlab serve` each supply
 * these handlers; the engine has none.
 */

export interface HostInfo {
  /** `electron`: the desktop window. `browser`: a page served by `layerlab serve`. */
  kind: 'electron' | 'browser'
  /**
   * Whether `chooseProjectFolder` shows a native dialog here. The browser host has none (a web
   * page cannot learn a folder's full path), so the UI offers the path field only.
   */
  folderDialog: boolean
}

/** The folder the user picked, or that they closed the dialog without picking one. */
export type ChooseFolderResult = { dir: string } | { cancelled: true }
