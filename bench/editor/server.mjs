// Starts a copy of the release server for the editor benchmark. The binary and the site are
// copied to a temporary directory first, so a rebuild in target/ during the run cannot swap
// them underneath (end2end/support/server.mjs runs them in place). Readiness is `GET /healthz`.
import { spawn } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const READY_TIMEOUT_MS = 20_000
const STOP_TIMEOUT_MS = 10_000

function freePort () {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

async function waitReady (url, child) {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`)
    try {
      if ((await fetch(`${url}/healthz`)).ok) return
    } catch {}
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`server not ready at ${url} within ${READY_TIMEOUT_MS} ms`)
}

/**
 * Copies `<buildDir>/release/server` and `<buildDir>/site` to a temporary directory and starts
 * the server there on a free 127.0.0.1 port with its own SQLite file.
 */
export async function startServer (buildDir) {
  const binary = join(buildDir, 'release', 'server')
  const site = join(buildDir, 'site')
  for (const path of [binary, site]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: run cargo leptos build --release`)
  }
  const dir = mkdtempSync(join(tmpdir(), 'whiteboard-bench-editor-'))
  copyFileSync(binary, join(dir, 'server'))
  cpSync(site, join(dir, 'site'), { recursive: true })

  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const log = []
  const child = spawn(join(dir, 'server'), [], {
    cwd: dir,
    env: {
      ...process.env,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: join(dir, 'site'),
      LEPTOS_OUTPUT_NAME: 'whiteboard',
      LEPTOS_ENV: 'PROD',
      DATABASE_URL: `sqlite://${join(dir, 'board.db')}`,
      RUST_LOG: 'warn',
      NO_COLOR: '1'
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const keep = chunk => { log.push(String(chunk)); if (log.length > 200) log.shift() }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)

  /** Stops the server by its PID (SIGTERM, SIGKILL after a timeout) and removes the copy. */
  async function stop () {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise(resolve => child.once('exit', resolve))
      process.kill(child.pid, 'SIGTERM')
      const timer = setTimeout(() => process.kill(child.pid, 'SIGKILL'), STOP_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
    }
    rmSync(dir, { recursive: true, force: true })
  }

  try {
    await waitReady(url, child)
  } catch (err) {
    await stop()
    throw new Error(`${err.message}\n${log.join('')}`)
  }
  return { url, wsBase: `ws://127.0.0.1:${port}/ws`, pid: child.pid, log, stop }
}
