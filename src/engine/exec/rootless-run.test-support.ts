// Run by rootless.test.ts as an unprivileged user: a busybox image in a store this user owns
// (snapshots extracted unprivileged), one RUN in the user-namespace sandbox, the results as JSON.
import { LinuxSandboxExecutor, SandboxError, upperDirEntries } from '.'
import { busyboxBaseEntries, testImage } from './busybox-rootfs.test-support'

const image = await testImage('layerlab-rootless-')
try {
  const view = await image.open([await image.put(busyboxBaseEntries())])
  const executor = LinuxSandboxExecutor.forStore(image.store)
  const reason = executor.unavailableReason()
  if (reason) {
    console.log(JSON.stringify({ reason }))
  } else {
    let out = ''
    const spec = { env: [], cwd: '/w', network: 'none' as const, rootfs: view, inlineFiles: [] }
    const script = 'id -u; cat /proc/self/uid_map | tr -s " "; rm /etc/x; rm -rf /d && mkdir /d && touch /d/n; touch /a'
    const result = await executor.run({ ...spec, args: ['/bin/sh', '-c', script], user: '' }, (_s, chunk) => (out += chunk), new AbortController().signal)
    const entries = await upperDirEntries(result.upperDir, { lowerDir: result.lowerDir, hostRoot: result.hostRoot })
    await result.dispose()
    const refused = await executor.run({ ...spec, args: ['/bin/true'], user: 'user' }, () => undefined, new AbortController().signal).then(
      () => 'ran',
      (error: Error) => `${error instanceof SandboxError ? 'SandboxError' : error.name}: ${error.message}`,
    )
    const layer = entries.map((e) => `${e.type} ${e.path}${'uid' in e ? ` ${e.uid}:${e.gid}` : ''}`).sort()
    console.log(JSON.stringify({ uid: process.getuid?.(), exitCode: result.exitCode, out, hostRoot: result.hostRoot, layer, refused }))
  }
} finally {
  await image.dispose()
}
