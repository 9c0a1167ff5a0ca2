import { openStore, resolveStoreDir, type Store } from '../engine'
import { CliError } from './usage-error'

export const storeOptionHelp = `      --store DIR    the Layerlab store (default: $LAYERLAB_STORE, else the per-user data dir)`

/** Opens the store named by --store, $LAYERLAB_STORE or the default, with errors a user can act on. */
export async function openStoreOption(explicit: string | undefined): Promise<Store> {
  const dir = resolveStoreDir(explicit)
  try {
    return await openStore(dir)
  } catch (error) {
    throw new CliError(`cannot open the store at ${dir}: ${(error as Error).message}`)
  }
}
