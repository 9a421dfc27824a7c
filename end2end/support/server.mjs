// Starts the release server binary on a free loopback port with its own SQLite file, for the
// end-to-end and interop tests. Readiness is `GET /healthz`, never a sleep.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const binary = join(root, 'target', 'release', 'server')

export function freePort () {
  return new Promise((ok, fail) => {
    const srv = createServer()
    srv.on('error', fail)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => ok(port))
    })
  })
}

async function waitReady (url, child, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`)
    try {
      const res = await fetch(`${url}/healthz`)
      if (res.ok) return
    } catch {}
    await new Promise(r => setTimeout(r, 50))
  }
  throw new Error(`server not ready at ${url} within ${timeoutMs} ms`)
}

/** A server under test. `restart()` keeps the port and the database. */
export class TestServer {
  constructor (port, dir) {
    this.port = port
    this.dir = dir
    this.url = `http://127.0.0.1:${port}`
    this.wsBase = `ws://127.0.0.1:${port}/ws`
    this.child = null
    this.log = []
    this.env = {}
  }

  /** `env`: extra settings for this server, e.g. `{ WB_VERSION_QUIET_SECS: '1' }`. */
  static async start (env = {}) {
    if (!existsSync(binary)) throw new Error(`${binary} is missing: run cargo leptos build --release`)
    const dir = mkdtempSync(join(tmpdir(), 'whiteboard-e2e-'))
    const server = new TestServer(await freePort(), dir)
    server.env = env
    await server.spawn()
    return server
  }

  async spawn () {
    this.child = spawn(binary, [], {
      cwd: root,
      env: {
        ...process.env,
        ...this.env,
        LEPTOS_SITE_ADDR: `127.0.0.1:${this.port}`,
        LEPTOS_SITE_ROOT: join(root, 'target', 'site'),
        LEPTOS_OUTPUT_NAME: 'whiteboard',
        LEPTOS_ENV: 'PROD',
        DATABASE_URL: `sqlite://${join(this.dir, 'board.db')}`,
        RUST_LOG: process.env.SERVER_LOG ? (process.env.RUST_LOG ?? 'warn') : 'warn',
        NO_COLOR: '1'
      },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    // SERVER_LOG=1 shows the server's log (RUST_LOG from the environment, else warn).
    const keep = chunk => {
      if (process.env.SERVER_LOG) process.stderr.write(chunk)
      this.log.push(String(chunk)); if (this.log.length > 200) this.log.shift()
    }
    this.child.stdout.on('data', keep)
    this.child.stderr.on('data', keep)
    await waitReady(this.url, this.child)
  }

  async #stopWith (signal) {
    const child = this.child
    if (!child || child.exitCode !== null) return
    const exited = new Promise(r => child.once('exit', r))
    child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }

  /** Graceful stop (SIGTERM): the server flushes every room. */
  stop () { return this.#stopWith('SIGTERM') }

  /** Crash (SIGKILL): nothing is flushed. */
  kill () { return this.#stopWith('SIGKILL') }

  async restart ({ crash = false } = {}) {
    await (crash ? this.kill() : this.stop())
    await this.spawn()
  }

  async dispose () {
    await this.stop()
    rmSync(this.dir, { recursive: true, force: true })
  }
}
