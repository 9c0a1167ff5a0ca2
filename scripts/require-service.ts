// For tests that need a real service: find its endpoint in the environment that
// scripts/with-services.ts sets up, or decide between skipping (local runs) and failing (CI).
const envVars = {
  docker: 'LAYERLAB_TEST_DOCKER_HOST',
  registry: 'LAYERLAB_TEST_REGISTRY',
} as const

export type ServiceName = keyof typeof envVars

const warned = new Set<ServiceName>()

/**
 * The service's endpoint (a DOCKER_HOST-style URL for docker, host:port for registry), or undefined
 * so the caller can `it.skipIf(!endpoint)`. Under CI=true a missing service is an error instead:
 * silently skipped integration tests would look green while testing nothing.
 */
export function serviceOrSkip(name: ServiceName): string | undefined {
  const variable = envVars[name]
  const endpoint = process.env[variable]
  if (endpoint) return endpoint
  if (process.env.CI === 'true') {
    throw new Error(`${name} test service missing under CI=true: run tests through npm test / scripts/with-services.ts`)
  }
  if (!warned.has(name)) {
    warned.add(name)
    console.warn(`skipping tests that need the ${name} test service: ${variable} is not set (run them through npm test or scripts/with-services.ts)`)
  }
  return undefined
}
