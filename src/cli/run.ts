import { main } from './index'

// The bundle's entry: kept apart from index.ts so tests can call main() without exiting.
process.exitCode = await main(process.argv.slice(2))
