// Images for the fake registry and stores for the registry tests. Layers are gzip (or fake
// zstd) blobs over arbitrary bytes: nothing here reads them as tars.
import { createHash } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import type { Store } from '../store'
import { openStore } from '../store'
import type { FakeRegistry } from './fake-registry.test-support'

export const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`

export async function tempDir(prefix = 'layerlab-registry-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix))
}

export async function tempStore(): Promise<Store> {
  return openStore(path.join(await tempDir(), 'store'))
}

export interface SeedOptions {
  architecture?: string
  variant?: string
  /** Uncompressed layer contents; default two small ones. */
  layers?: (Buffer | string)[]
  /** Docker v2 media types instead of OCI ones. */
  docker?: boolean
  zstd?: boolean
}

export interface SeededImage {
  manifest: { digest: string; size: number; mediaType: string }
  config: { digest: string; size: number }
  layers: { digest: string; size: number }[]
  diffIds: string[]
}

export function seedImage(fake: FakeRegistry, repo: string, tag: string | undefined, options: SeedOptions = {}): SeededImage {
  const contents = (options.layers ?? [`hello from ${repo}`, 'a'.repeat(5000)]).map((c) => Buffer.from(c))
  const diffIds = contents.map((c) => sha256(c))
  const layers = contents.map((c) => fake.addBlob(options.zstd ? Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), c]) : gzipSync(c), repo))
  const architecture = options.architecture ?? 'amd64'
  const config = fake.addBlob(
    JSON.stringify({
      created: '2026-01-01T00:00:00Z',
      architecture,
      os: 'linux',
      ...(options.variant ? { variant: options.variant } : {}),
      config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: contents.map(() => ({ created_by: 'COPY x / # buildkit' })),
    }),
    repo,
  )
  const layerType = options.zstd
    ? 'application/vnd.oci.image.layer.v1.tar+zstd'
    : options.docker
      ? 'application/vnd.docker.image.rootfs.diff.tar.gzip'
      : 'application/vnd.oci.image.layer.v1.tar+gzip'
  const manifest = fake.addManifest(
    repo,
    {
      schemaVersion: 2,
      mediaType: options.docker ? 'application/vnd.docker.distribution.manifest.v2+json' : 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: options.docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json', ...config },
      layers: layers.map((l) => ({ mediaType: layerType, ...l })),
    },
    tag,
  )
  return { manifest, config, layers, diffIds }
}

/** An index (or, with `docker`, a manifest list) over images already seeded, plus an attestation entry. */
export function seedIndex(fake: FakeRegistry, repo: string, tag: string, entries: { image: SeededImage; platform: Record<string, string> }[], docker = false) {
  const attestation = fake.addManifest(repo, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...fake.addBlob('{}', repo) },
    layers: [],
  })
  return fake.addManifest(
    repo,
    {
      schemaVersion: 2,
      mediaType: docker ? 'application/vnd.docker.distribution.manifest.list.v2+json' : 'application/vnd.oci.image.index.v1+json',
      manifests: [
        ...entries.map(({ image, platform }) => ({ ...image.manifest, platform })),
        { ...attestation, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
      ],
    },
    tag,
  )
}

/** A docker config dir with `config.json` as given. */
export async function dockerConfigDir(config: object): Promise<string> {
  const dir = await tempDir('layerlab-docker-config-')
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(config))
  return dir
}

export function basicAuth(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`).toString('base64')
}
