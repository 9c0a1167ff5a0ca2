import { useEffect, useState } from 'react'
import type { ApiClient } from '../../shared/contract'
import type { HostInfo } from '../../shared/host-api'

/** Without an answer, assume the least: no native dialog, so the path field is all there is. */
const assumed: HostInfo = { kind: 'browser', folderDialog: false }

/** What the window's host is and can do; `undefined` until it has answered. */
export function useHostInfo(client: ApiClient): HostInfo | undefined {
  const [info, setInfo] = useState<HostInfo>()
  useEffect(() => {
    let live = true
    client.hostInfo().then(
      (answer) => live && setInfo(answer),
      () => live && setInfo(assumed),
    )
    return () => {
      live = false
    }
  }, [client])
  return info
}
