import { BrowserWindow, dialog, type WebContents } from 'electron'
import type { HostHandlers } from '../shared/contract'

/**
 * The desktop window's own requests: it says it is Electron and shows the native folder dialog,
 * attached to the window that asked. Built per call, for the sender that passed the IPC check.
 */
export function electronHostHandlers(sender: WebContents): HostHandlers {
  return {
    hostInfo: () => Promise.resolve({ kind: 'electron', folderDialog: true }),
    async chooseProjectFolder() {
      const window = BrowserWindow.fromWebContents(sender)
      const options: Electron.OpenDialogOptions = {
        title: 'Open a project folder',
        buttonLabel: 'Open project',
        properties: ['openDirectory', 'createDirectory'],
      }
      const picked = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options)
      const dir = picked.filePaths[0]
      return picked.canceled || dir === undefined ? { cancelled: true } : { dir }
    },
  }
}
