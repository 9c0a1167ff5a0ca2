import { execFile } from 'node:child_process'
import { mkdir, readFile } from 'node:fs/promises'
import net, { type AddressInfo } from 'node:net'
import path from 'node:path'
import { promisify } from 'node:util'
import ssh2 from 'ssh2'

const run = promisify(execFile)

export interface SshDockerHost {
  port: number
  /** A HOME whose ~/.ssh/id_ed25519 the host accepts for user `me`. */
  home: string
  /** Every command a client ran. */
  commands: string[]
  close(): Promise<void>
}

/**
 * An ssh server standing in for a remote Docker host: it takes one key for user `me`, and runs
 * `docker system dial-stdio` (what docker-modem asks for) by joining the channel to
 * `daemonSocket`, as the docker CLI on the remote would.
 */
export async function startSshDockerHost(dir: string, daemonSocket: string): Promise<SshDockerHost> {
  const home = path.join(dir, 'ssh-home')
  await mkdir(path.join(home, '.ssh'), { recursive: true })
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(home, '.ssh', 'id_ed25519')])
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'ssh_host_key')])
  const allowed = ssh2.utils.parseKey(await readFile(path.join(home, '.ssh', 'id_ed25519.pub')))
  if (allowed instanceof Error) throw allowed
  const commands: string[] = []
  const open = new Set<net.Socket>()
  const server = new ssh2.Server({ hostKeys: [await readFile(path.join(dir, 'ssh_host_key'))] }, (client) => {
    client.on('authentication', (ctx) => {
      if (ctx.method === 'publickey' && ctx.username === 'me' && ctx.key.algo === allowed.type && ctx.key.data.equals(allowed.getPublicSSH())) {
        if (!ctx.signature || allowed.verify(ctx.blob ?? Buffer.alloc(0), ctx.signature, ctx.hashAlgo) === true) return ctx.accept()
      }
      ctx.reject(['publickey'])
    })
    client.on('ready', () => {
      client.on('session', (accept) => {
        accept().on('exec', (acceptExec, _reject, info) => {
          commands.push(info.command)
          const channel = acceptExec()
          if (info.command !== 'docker system dial-stdio') {
            channel.exit(127)
            channel.end()
            return
          }
          const daemon = net.connect(daemonSocket)
          open.add(daemon)
          channel.pipe(daemon).pipe(channel)
          daemon.on('close', () => {
            open.delete(daemon)
            channel.end()
          })
          channel.on('close', () => daemon.destroy())
          // The daemon may close first (EPIPE on the last write): the client just sees the end.
          daemon.on('error', () => channel.end())
          channel.on('error', () => daemon.destroy())
        })
      })
    })
    client.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    home,
    commands,
    async close() {
      for (const socket of open) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
