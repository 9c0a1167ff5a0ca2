import { app, BrowserWindow, session } from 'electron'
import { createEngineApi } from '../engine'
import { registerIpc } from './ipc'
import { createMainWindow, rendererPageUrl } from './window'

const api = createEngineApi()

// Nothing in the UI needs a camera, notifications or any other permission.
function denyPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.defaultSession.setPermissionCheckHandler(() => false)
}

app.enableSandbox()

void app.whenReady().then(() => {
  denyPermissions()
  registerIpc(api, rendererPageUrl)
  createMainWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow()
  })
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})

// Running builds are cancelled first, and quitting waits for their cleanup (a RUN's sandbox, the
// build's record) so nothing is left half-written.
let closed = false
app.on('before-quit', (event) => {
  if (closed) return
  event.preventDefault()
  void api.close().finally(() => {
    closed = true
    app.quit()
  })
})
