// Cluster benchmark. Two `server` nodes share one PostgreSQL database and relay live traffic
// through Redis pub/sub; clients are real `yjs` + `y-websocket` clients in this Node process,
// split across the nodes. It measures, in one run:
//
//   cluster-1x50   1 board, 50 clients (25 on node A, 25 on node B), 1 writer on A,
//                  200 updates at 20 Hz (~200 B each)
//   cluster-100x4  100 boards x 4 clients (2 per node), 1 writer per board (on A for even
//                  boards, on B for odd ones), 40 updates at 5 Hz each
//     Both loads also run against one node on SQLite and one node on PostgreSQL (no relay), as
//     references. Per load: delivery latency (writer's send -> receiver's Y.Map observe event)
//     p50/p99 for receivers on the writer's node ("same-node") and on the other node
//     ("cross-node"), deliveries/s, lost deliveries, convergence (every client's state vector
//     and a fresh client's), and CPU per delivered update summed over the nodes, PostgreSQL
//     (postmaster, its live children and what its exited children left in cutime/cstime) and
//     Redis, from /proc/PID/stat. Then the ratios cluster / sqlite-single and cluster /
//     pg-single, and cross-node p99 - same-node p99 against the 5 ms target.
//   kill-node      1 board, writer + 9 readers on A, 10 readers on B, 20 Hz; about 3 s in,
//                  node A is killed (SIGKILL); every client of A (the writer too) opens a new
//                  provider on the same Y.Doc at node B. Lost (must be 0), time until the writer
//                  was synced on B, time until every client held every update written until then.
//   redis-restart  1 board, writer + 4 readers on A, 10 readers on B, 20 Hz; Redis is stopped
//                  about 3 s in and started again 2 s later. Lost (must be 0) and how long after
//                  Redis came back the readers on B held everything written until then.
//
// Run (after `scripts/build-release`; needs PostgreSQL and Redis, `scripts/setup --tests`):
//
//   node bench/cluster.mjs
//   SCENARIOS=kill-node,redis-restart node bench/cluster.mjs
//
// Knobs (environment): SERVER_BIN (target/release/server), SCENARIOS (all four, comma
// separated: cluster-1x50, cluster-100x4, kill-node, redis-restart), SETUPS (sqlite,pg,cluster:
// which setups the two loads run on), DRAIN_MS (15000), TOTAL_MS (900000: the whole run is
// aborted past it), RUST_LOG (info). Everything listens on 127.0.0.1 and is stopped by PID, also
// on error. PostgreSQL and Redis are private instances (`scripts/services`) in a temporary
// directory; every scenario gets a database of its own. Results: printed, and written to
// target/bench/cluster-<timestamp>.md; node logs (stdout + stderr), pg.log and redis.log in
// target/bench/cluster-<timestamp>/.
import { execFile, execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync,
  rmSync, writeFileSync
} from 'node:fs'
import { createRequire } from 'node:module'
import { connect as tcpConnect, createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
// One CommonJS `require` for the npm packages, so y-websocket and this file share one yjs.
const require = createRequire(join(repoRoot, 'end2end', 'package.json'))
const Y = require('yjs')
const { WebsocketProvider } = require('y-websocket')
const WebSocket = require('ws')

const env = (name, fallback) => process.env[name] ?? fallback
const cfg = {
  serverBin: resolve(repoRoot, env('SERVER_BIN', 'target/release/server')),
  scenarios: env('SCENARIOS', 'cluster-1x50,cluster-100x4,kill-node,redis-restart').split(',').map(s => s.trim()).filter(Boolean),
  setups: env('SETUPS', 'sqlite,pg,cluster').split(',').map(s => s.trim()).filter(Boolean),
  drainMs: Number(env('DRAIN_MS', 15_000)),
  totalMs: Number(env('TOTAL_MS', 900_000)),
  rustLog: env('RUST_LOG', 'info'),
  payload: 200, // bytes of one update, roughly (the value's padding is sized for it)
  connectMs: 60_000, // for all clients of a scenario to sync
  concurrency: 20 // clients connecting at once
}
const KNOWN = ['cluster-1x50', 'cluster-100x4', 'kill-node', 'redis-restart']
for (const s of cfg.scenarios) if (!KNOWN.includes(s)) throw new Error(`unknown scenario ${s} (known: ${KNOWN.join(', ')})`)
for (const s of cfg.setups) if (!['sqlite', 'pg', 'cluster'].includes(s)) throw new Error(`unknown setup ${s}`)

const LOADS = {
  'cluster-1x50': { boards: 1, perNode: 25, updates: 200, rate: 20 },
  'cluster-100x4': { boards: 100, perNode: 2, updates: 40, rate: 5 }
}
const READY_MS = 20_000
const STOP_MS = 10_000
const CLK_TCK = 100
const TARGET_MS = 5

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
// Wall clock in ms, the same for every client: they all live in this process.
const now = () => performance.timeOrigin + performance.now()
const r1 = x => (x == null || Number.isNaN(x) ? '-' : (Math.round(x * 10) / 10).toString())
const r2 = x => (x == null || Number.isNaN(x) ? '-' : (Math.round(x * 100) / 100).toString())
const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
const log = msg => console.error(`[${new Date().toISOString().slice(11, 23)}] ${msg}`)

process.setMaxListeners(0) // every WebsocketProvider adds a process 'exit' listener

// ------------------------------------------------------------------ run-wide state

const runStamp = stamp()
const outDir = join(repoRoot, 'target', 'bench', `cluster-${runStamp}`)
const outFile = join(repoRoot, 'target', 'bench', `cluster-${runStamp}.md`)
const workDir = mkdtempSync(join(tmpdir(), 'wb-cluster-bench-'))
chmodSync(workDir, 0o755) // PostgreSQL runs as its own user (as root: `postgres`) below it
const servicesDir = join(workDir, 'services')
const live = new Set() // server children still running, stopped on exit whatever happens
let servicesStarted = false
const report = [] // markdown sections, in order

function cleanupSync () {
  for (const child of live) { try { process.kill(child.pid, 'SIGKILL') } catch {} }
  live.clear()
  if (servicesStarted) {
    servicesStarted = false
    for (const f of ['pg.log', 'redis.log']) {
      try { copyFileSync(join(servicesDir, f), join(outDir, f)) } catch {}
    }
    try { execFileSync(join(repoRoot, 'scripts', 'services'), ['stop', servicesDir], { stdio: 'ignore', timeout: 30_000 }) } catch {}
  }
  try { rmSync(workDir, { recursive: true, force: true }) } catch {}
}
process.on('exit', cleanupSync)
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { log(`${sig}: stopping`); process.exit(130) })

// ------------------------------------------------------------------ services and CPU

function servicesCmd (...args) {
  return new Promise((resolve, reject) => {
    execFile(join(repoRoot, 'scripts', 'services'), args, { timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`scripts/services ${args.join(' ')}: ${err.message}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

async function startServices () {
  const out = await servicesCmd('start', servicesDir)
  servicesStarted = true
  const vars = {}
  for (const m of out.matchAll(/^export (\w+)='([^']*)'$/gm)) vars[m[1]] = m[2]
  if (!vars.WB_TEST_POSTGRES_URL || !vars.WB_TEST_REDIS_URL) throw new Error(`scripts/services start printed:\n${out}`)
  return { pgUrl: vars.WB_TEST_POSTGRES_URL, redisUrl: vars.WB_TEST_REDIS_URL, redisPort: Number(vars.WB_TEST_REDIS_PORT) }
}

let dbSeq = 0
function createDatabase (pgUrl, label) {
  const name = `bench_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${dbSeq++}`
  execFileSync('psql', [pgUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c', `CREATE DATABASE ${name}`], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 })
  return pgUrl.replace(/\/[^/]*$/, `/${name}`)
}

function procStat (pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
  return { ppid: Number(f[1]), utime: Number(f[11]), stime: Number(f[12]), cutime: Number(f[13]), cstime: Number(f[14]) }
}
const ticksMs = t => t * 1000 / CLK_TCK
function cpuMs (pid) {
  try { const s = procStat(pid); return ticksMs(s.utime + s.stime) } catch { return NaN }
}
// PostgreSQL: the postmaster's own time and what its exited (reaped) children left in
// cutime/cstime, plus the live children's own time. The difference of two readings counts a
// backend that lived through the interval, started in it or ended in it exactly once.
function pgCpuMs (pmPid) {
  let total
  try { const s = procStat(pmPid); total = s.utime + s.stime + s.cutime + s.cstime } catch { return NaN }
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try { const s = procStat(name); if (s.ppid === pmPid) total += s.utime + s.stime } catch {}
  }
  return ticksMs(total)
}
const pidFile = name => { try { return Number(readFileSync(join(servicesDir, name), 'utf8').split('\n')[0]) } catch { return NaN } }

// ------------------------------------------------------------------ server nodes

/** Whether something accepts TCP connections on 127.0.0.1:port (within 200 ms). */
function tcpUp (port) {
  return new Promise(resolve => {
    const sock = tcpConnect({ host: '127.0.0.1', port })
    const done = up => { clearTimeout(timer); sock.destroy(); resolve(up) }
    const timer = setTimeout(() => done(false), 200)
    sock.once('connect', () => done(true))
    sock.once('error', () => done(false))
  })
}

function freePort () {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => { const { port } = probe.address(); probe.close(() => resolve(port)) })
  })
}

async function startNode (name, { databaseUrl, relayUrl, logName }) {
  const dir = join(workDir, `${logName}`)
  mkdirSync(dir, { recursive: true })
  const port = await freePort()
  const logPath = join(outDir, `${logName}.log`)
  const fd = openSync(logPath, 'a')
  const childEnv = { ...process.env }
  for (const k of ['DATABASE_URL', 'WB_RELAY_URL']) delete childEnv[k]
  Object.assign(childEnv, {
    WB_MAX_CONNECTIONS_PER_ADDRESS: '2000', // every client comes from 127.0.0.1
    WB_MAX_CONNECTIONS_PER_BOARD: '500',
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_SITE_ROOT: join(repoRoot, 'target', 'site'),
    LEPTOS_OUTPUT_NAME: 'whiteboard',
    LEPTOS_ENV: 'PROD',
    DATABASE_URL: databaseUrl,
    RUST_LOG: cfg.rustLog,
    NO_COLOR: '1'
  })
  if (relayUrl) childEnv.WB_RELAY_URL = relayUrl
  const child = spawn(join(workDir, 'server'), [], { cwd: dir, env: childEnv, stdio: ['ignore', fd, fd] })
  closeSync(fd)
  live.add(child)
  const exited = new Promise(resolve => child.once('exit', (code, signal) => { live.delete(child); resolve({ code, signal }) }))
  const url = `http://127.0.0.1:${port}`
  const node = {
    name, url, logPath, pid: child.pid, wsBase: `ws://127.0.0.1:${port}/ws`, exited, dead: false,
    async stop () {
      if (child.exitCode !== null || child.signalCode !== null) return
      try { process.kill(child.pid, 'SIGTERM') } catch {}
      const timer = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL') } catch {} }, STOP_MS)
      await exited
      clearTimeout(timer)
    },
    kill () { node.dead = true; try { process.kill(child.pid, 'SIGKILL') } catch {} }
  }
  const deadline = Date.now() + READY_MS
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node ${name} exited with ${child.exitCode}: see ${logPath}`)
    try { if ((await fetch(`${url}/healthz`)).ok) break } catch {}
    if (Date.now() > deadline) { await node.stop(); throw new Error(`node ${name} not ready within ${READY_MS} ms: see ${logPath}`) }
    await sleep(50)
  }
  return node
}

/** Warnings and errors a node logged (tracing's level field), and panics. */
function logSummary (path) {
  let text = ''
  try { text = readFileSync(path, 'utf8') } catch { return 'no log' }
  const lines = text.split('\n')
  const warn = lines.filter(l => /\bWARN\b/.test(l)).length
  const error = lines.filter(l => /\bERROR\b/.test(l)).length
  const panic = lines.filter(l => /panicked/.test(l)).length
  return `${warn} warn, ${error} error${panic ? `, ${panic} PANIC` : ''}`
}

// ------------------------------------------------------------------ metrics

async function scrape (node) {
  if (node.dead) return null
  try {
    const res = await fetch(`${node.url}/metrics`, { signal: AbortSignal.timeout(5000) })
    if (!res.ok) return null
    const m = new Map()
    for (const line of (await res.text()).split('\n')) {
      if (!line || line.startsWith('#')) continue
      const i = line.lastIndexOf(' ')
      m.set(line.slice(0, i), Number(line.slice(i + 1)))
    }
    return m
  } catch { return null }
}
const delta = (a, b, key) => (b?.get(key) ?? NaN) - (a?.get(key) ?? 0)
function histDelta (a, b, name) {
  if (!b) return null
  const buckets = []
  for (const [k, v] of b) {
    const m = k.match(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\}$`))
    if (m) buckets.push([m[1] === '+Inf' ? Infinity : Number(m[1]), v - (a?.get(k) ?? 0)])
  }
  buckets.sort((x, y) => x[0] - y[0])
  return { buckets, count: delta(a, b, `${name}_count`), sum: delta(a, b, `${name}_sum`) }
}
/** "mean, p50 <= x, p99 <= y" in ms from a cumulative histogram. */
function histText (h) {
  if (!h || !(h.count > 0)) return '-'
  const upper = q => {
    for (const [le, cum] of h.buckets) if (cum >= q * h.count) return le === Infinity ? '>max' : `≤${r2(le * 1000)}`
    return '?'
  }
  return `${h.count}: mean ${r2(h.sum / h.count * 1000)}, p50 ${upper(0.5)}, p99 ${upper(0.99)}`
}
function metricsRow (label, node, a, b) {
  if (!b) return `| ${label} | ${node.name} | (gone) | | | | | ${logSummary(node.logPath)} |`
  return `| ${label} | ${node.name} | ${histText(histDelta(a, b, 'whiteboard_persist_seconds'))} | ${histText(histDelta(a, b, 'whiteboard_relay_lag_seconds'))} | ` +
    `${r2(delta(a, b, 'whiteboard_relay_gaps_repaired_total'))} | ${r2(delta(a, b, 'whiteboard_relay_publish_failed_total'))} | ` +
    `${b.get('whiteboard_relay_connected') ?? '-'} | ${logSummary(node.logPath)} |`
}
const METRICS_HEAD = '| run | node | persist ms (commits: mean, p50, p99 bucket) | relay lag ms (msgs: mean, p50, p99 bucket) | gaps repaired | publish failed | relay connected at end | node log |\n|---|---|---|---|---|---|---|---|'

// ------------------------------------------------------------------ clients

class NoDeflateWS extends WebSocket {
  constructor (url, protocols) { super(url, protocols, { perMessageDeflate: false }) }
}

class Client {
  /** `onDeliver(client, key, value, t)` for every key a remote update brings for the first time. */
  constructor (board, onDeliver) {
    this.board = board
    this.doc = new Y.Doc()
    this.map = this.doc.getMap('b')
    this.awareness = null
    this.provider = null
    this.node = null
    this.seen = new Map() // key -> receipt time
    this.map.observe(ev => {
      if (ev.transaction.local) return
      const t = now()
      for (const k of ev.keysChanged) {
        if (this.seen.has(k)) continue
        this.seen.set(k, t)
        onDeliver?.(this, k, this.map.get(k), t)
      }
    })
  }

  /** Connects (or reconnects, with a new provider on the same doc) to `node`; resolves when synced. */
  connect (node, timeoutMs = cfg.connectMs) {
    if (this.provider) { this.provider.destroy(); this.provider = null }
    this.node = node
    const p = new WebsocketProvider(node.wsBase, this.board, this.doc, {
      WebSocketPolyfill: NoDeflateWS,
      disableBc: true, // Node 20 has a global BroadcastChannel: in-process clients would bypass the servers
      maxBackoffTime: 1000,
      ...(this.awareness ? { awareness: this.awareness } : {})
    })
    this.awareness = p.awareness
    p.awareness.setLocalState(null) // document traffic only
    this.provider = p
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sync timeout: ${this.board} on ${node.name}`)), timeoutMs)
      p.once('sync', () => { clearTimeout(timer); resolve(now()) })
    })
  }

  stateVector () { return Buffer.from(Y.encodeStateVector(this.doc)).toString('base64') }
  destroy () { try { this.provider?.destroy() } catch {} ; this.doc.destroy() }
}

async function pool (items, n, fn) {
  let i = 0
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (i < items.length) { const k = i++; await fn(items[k], k) }
  }))
}

function stats (arr) {
  if (arr.length === 0) return { n: 0, p50: NaN, p99: NaN, max: NaN }
  const s = Float64Array.from(arr).sort()
  const q = p => s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))]
  return { n: s.length, p50: q(50), p99: q(99), max: s[s.length - 1] }
}

const PAD = 'x'.repeat(cfg.payload)
let padLen = cfg.payload - 60 // corrected after the first update to make it ~cfg.payload bytes
/** One update: a Y.Map entry `{t, n, s, p}` (send time, writer's node, sequence, padding). */
function write (client, key, nodeName, seq) {
  const t = now()
  client.doc.transact(() => client.map.set(key, { t, n: nodeName, s: seq, p: PAD.slice(0, padLen) }))
  return t
}
// Size the padding once: one update of a throwaway doc, measured.
{
  const d = new Y.Doc()
  let bytes = 0
  d.on('update', u => { bytes = u.length })
  d.getMap('b').set('0:0', { t: now(), n: 'A', s: 0, p: PAD.slice(0, padLen) })
  padLen = Math.max(0, padLen + cfg.payload - bytes)
  d.destroy()
}

/** Calls `fn(seq)` `count` times at `rate` Hz from `start` (absolute due times), bounded. */
function schedule (start, count, rate, fn) {
  const period = 1000 / rate
  return new Promise(resolve => {
    let seq = 0
    const tick = () => {
      fn(seq++)
      if (seq >= count) return resolve()
      setTimeout(tick, Math.max(0, start + seq * period - now()))
    }
    setTimeout(tick, Math.max(0, start - now()))
  })
}

async function waitUntil (cond, ms) {
  const deadline = now() + ms
  while (!cond() && now() < deadline) await sleep(10)
  return cond()
}

// ------------------------------------------------------------------ loads

async function loadRun (scenario, setup, services) {
  const load = LOADS[scenario]
  const label = `${scenario}-${setup}`
  const nodes = []
  const clients = []
  try {
    // nodes
    if (setup === 'sqlite') {
      const n = await startNode('single', { databaseUrl: `sqlite://${join(workDir, `${label}.db`)}`, logName: `${label}-node` })
      nodes.push(n, n)
    } else if (setup === 'pg') {
      const n = await startNode('single', { databaseUrl: createDatabase(services.pgUrl, label), logName: `${label}-node` })
      nodes.push(n, n)
    } else {
      const db = createDatabase(services.pgUrl, label)
      nodes.push(await startNode('A', { databaseUrl: db, relayUrl: services.redisUrl, logName: `${label}-A` }))
      nodes.push(await startNode('B', { databaseUrl: db, relayUrl: services.redisUrl, logName: `${label}-B` }))
    }
    const distinct = [...new Set(nodes)]

    // clients: per board, perNode on A then perNode on B; the writer is the first of its node's
    const same = []; const cross = []
    const perUpdate = new Map() // key -> { s: same-node latencies, c: cross-node ones }
    let delivered = 0; let lastT = 0
    const onDeliver = (c, key, v, t) => {
      if (!v || typeof v.t !== 'number') return
      delivered++
      lastT = t
      const isSame = c.node.name === v.n
      ;(isSame ? same : cross).push(t - v.t)
      let u = perUpdate.get(key)
      if (!u) perUpdate.set(key, (u = { s: [], c: [] }))
      ;(isSame ? u.s : u.c).push(t - v.t)
    }
    const runId = randomBytes(6).toString('hex')
    const boards = []
    for (let b = 0; b < load.boards; b++) {
      const id = `bench-${runId}-${b}`
      const members = []
      for (const node of nodes) for (let i = 0; i < load.perNode; i++) {
        const c = new Client(id, onDeliver)
        c.home = node
        members.push(c)
        clients.push(c)
      }
      const writerNode = nodes[b % 2]
      boards.push({ id, members, writer: members.find(c => c.home === writerNode), writerNode })
    }
    // interleave boards so that they fill up together
    const order = []
    const most = Math.max(...boards.map(b => b.members.length))
    for (let i = 0; i < most; i++) for (const b of boards) if (b.members[i]) order.push(b.members[i])
    const c0 = now()
    await pool(order, cfg.concurrency, c => c.connect(c.home))
    const connectMs = now() - c0
    await sleep(500) // joins settle

    // write
    const expected = load.boards * load.updates * (load.perNode * 2 - 1)
    const metrics0 = await Promise.all(distinct.map(scrape))
    const pmPid = pidFile('pg.pid')
    const redisPid = pidFile('redis.pid')
    const cpu0 = { nodes: distinct.map(n => cpuMs(n.pid)), pg: pgCpuMs(pmPid), redis: cpuMs(redisPid), client: process.cpuUsage() }
    const loop = monitorEventLoopDelay({ resolution: 5 })
    loop.enable()
    const load1 = loadavg()[0]
    const start = now() + 50
    let firstSend = Infinity
    await Promise.all(boards.map(b => {
      const offset = Math.random() * 1000 / load.rate
      return schedule(start + offset, load.updates, load.rate, seq => {
        const t = write(b.writer, `${b.id}:${seq}`, b.writerNode.name, seq)
        if (t < firstSend) firstSend = t
      })
    }))
    await waitUntil(() => delivered >= expected, cfg.drainMs)
    const cpu1 = { nodes: distinct.map(n => cpuMs(n.pid)), pg: pgCpuMs(pmPid), redis: cpuMs(redisPid), client: process.cpuUsage(cpu0.client) }
    loop.disable()
    const metrics1 = await Promise.all(distinct.map(scrape))

    // convergence: per board, every member's state vector equal and every update there,
    // then a fresh client on the node the writer is not on (the writer's in single setups)
    let converged = 0
    for (const b of boards) {
      const svs = new Set(b.members.map(c => c.stateVector()))
      if (svs.size === 1 && b.members.every(c => c.map.size === load.updates)) converged++
    }
    let fresh = 0
    await pool(boards, cfg.concurrency, async b => {
      const c = new Client(b.id)
      try {
        await c.connect(nodes[(boards.indexOf(b) + 1) % 2], 20_000)
        if (c.stateVector() === b.writer.stateVector() && c.map.size === load.updates) fresh++
      } catch {} finally { c.destroy() }
    })

    const cpu = {
      nodes: distinct.map((n, i) => cpu1.nodes[i] - cpu0.nodes[i]),
      pg: setup === 'sqlite' ? 0 : cpu1.pg - cpu0.pg,
      redis: setup === 'cluster' ? cpu1.redis - cpu0.redis : 0,
      client: (cpu1.client.user + cpu1.client.system) / 1000
    }
    const total = cpu.nodes.reduce((a, b) => a + b, 0) + cpu.pg + cpu.redis
    // Per update, median cross-node latency − median same-node latency: the relay hop without
    // the tails both paths share (the commit, the machine).
    const med = a => stats(a).p50
    const paired = []
    for (const u of perUpdate.values()) if (u.s.length && u.c.length) paired.push(med(u.c) - med(u.s))
    const res = {
      scenario, setup, label,
      clients: `${load.boards}×(${load.perNode}+${load.perNode})`,
      // the histogram holds timer intervals (resolution 5 ms): the excess is the loop's delay
      loopP99: Math.max(0, loop.percentile(99) / 1e6 - 5),
      load1,
      updates: load.boards * load.updates,
      connectMs,
      same: stats(same),
      cross: stats(cross),
      all: stats(same.concat(cross)),
      paired: stats(paired),
      expected, delivered,
      lost: expected - delivered,
      delivPerSec: delivered / Math.max(1e-3, (lastT - firstSend) / 1000),
      converged: `${converged}/${boards.length}`,
      fresh: `${fresh}/${boards.length}`,
      ok: delivered === expected && converged === boards.length && fresh === boards.length,
      cpu, cpuTotal: total,
      usPerDelivery: delivered ? total * 1000 / delivered : NaN,
      metrics: distinct.map((n, i) => metricsRow(label, n, metrics0[i], metrics1[i]))
    }
    log(`${label}: ${delivered}/${expected} delivered, same p50/p99 ${r2(res.same.p50)}/${r2(res.same.p99)}, cross ${r2(res.cross.p50)}/${r2(res.cross.p99)} ms, ${r2(res.usPerDelivery)} µs CPU/delivery`)
    return res
  } finally {
    for (const c of clients) c.destroy()
    for (const n of new Set(nodes)) await n.stop()
  }
}

const LOAD_HEAD = '| run | clients (boards×(A+B)) | updates | connect ms | same-node p50/p99/max ms | cross-node p50/p99/max ms | deliv/s | lost | converged (+fresh) | CPU ms nodes / PG / Redis | µs CPU per delivery | client CPU ms (loop delay p99 ms) | load avg |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|'
function loadRow (r) {
  const lat = s => (s.n ? `${r2(s.p50)} / ${r2(s.p99)} / ${r1(s.max)} (${s.n})` : '-')
  return `| ${r.label} | ${r.clients} | ${r.updates} | ${Math.round(r.connectMs)} | ${lat(r.same)} | ${lat(r.cross)} | ${Math.round(r.delivPerSec)} | ` +
    `${r.lost} | ${r.converged} (+${r.fresh}) | ${r.cpu.nodes.map(Math.round).join(' + ')} / ${Math.round(r.cpu.pg)} / ${Math.round(r.cpu.redis)} = ${Math.round(r.cpuTotal)} | ` +
    `${r2(r.usPerDelivery)} | ${Math.round(r.cpu.client)} (${r1(r.loopP99)}) | ${r2(r.load1)} |`
}

// ------------------------------------------------------------------ faults

async function faultSetup (label, services, onA, onB) {
  const db = createDatabase(services.pgUrl, label)
  const A = await startNode('A', { databaseUrl: db, relayUrl: services.redisUrl, logName: `${label}-A` })
  const B = await startNode('B', { databaseUrl: db, relayUrl: services.redisUrl, logName: `${label}-B` })
  const board = `bench-${randomBytes(6).toString('hex')}`
  const clients = []
  for (let i = 0; i < onA + onB; i++) { const c = new Client(board); c.home = i < onA ? A : B; clients.push(c) }
  await pool(clients, cfg.concurrency, c => c.connect(c.home))
  await sleep(500)
  return { A, B, board, clients, writer: clients[0] }
}

/** Keys (written before `until`) × clients: the latest receipt after `from`, in ms after `from`. */
function catchUp (clients, sentAt, until, from) {
  let latest = from
  let missing = 0
  for (const c of clients) {
    for (const [key, t] of sentAt) {
      if (t > until) continue
      const r = c.seen.get(key)
      if (r == null) missing++
      else if (r > latest) latest = r
    }
  }
  return { ms: latest - from, missing }
}

/** Lost: keys some client holds that another client (or a fresh one on `node`) does not. */
async function lostCheck (clients, node, board) {
  const union = new Set()
  for (const c of clients) for (const k of c.map.keys()) union.add(k)
  const fresh = new Client(board)
  let freshOk = false
  try { await fresh.connect(node, 20_000); freshOk = true } catch {}
  let lost = 0
  for (const c of [...clients, ...(freshOk ? [fresh] : [])]) for (const k of union) if (!c.map.has(k)) lost++
  const svs = new Set(clients.map(c => c.stateVector()))
  const result = {
    union: union.size,
    lost,
    converged: svs.size === 1 && freshOk && fresh.stateVector() === clients[0].stateVector(),
    fresh: freshOk ? fresh.map.size : 'no sync'
  }
  fresh.destroy()
  return result
}

async function killNodeRun (services) {
  const label = 'kill-node'
  const UPDATES = 160; const RATE = 20; const KILL_AT = 60 // 3 s in
  const s = await faultSetup(label, services, 10, 10)
  const { A, B, clients, writer } = s
  try {
    const m0 = await scrape(B)
    const sentAt = new Map()
    let tKill = NaN; let writerBack = NaN; let failedOver = 0
    // every client of A: a new provider on the same doc at B when its connection drops
    for (const c of clients.filter(c => c.home === A)) {
      c.provider.on('status', ({ status }) => {
        if (status !== 'disconnected' || c.node !== A) return
        setTimeout(() => {
          c.connect(B, 30_000).then(t => { failedOver++; if (c === writer) writerBack = t }, err => log(`${label}: ${err.message}`))
        }, 0)
      })
    }
    const start = now() + 50
    // The kill comes right after a write (its frame just handed to the socket), so that one
    // update is likely in flight: received by A but not yet committed or relayed.
    await schedule(start, UPDATES, RATE, seq => {
      const key = `k:${seq}`
      sentAt.set(key, write(writer, key, 'A', seq))
      if (seq === KILL_AT) setImmediate(() => { tKill = now(); A.kill(); log(`${label}: node A killed`) })
    })
    const others = clients.filter(c => c !== writer)
    await waitUntil(() => failedOver === 10 && others.every(c => c.map.size === writer.map.size), cfg.drainMs + 5000)
    const back = catchUp(others, sentAt, writerBack, tKill)
    const lat = []
    for (const c of others) for (const [k, t] of sentAt) { const r = c.seen.get(k); if (r != null && r > tKill) lat.push(r - t) }
    const check = await lostCheck(clients, B, s.board)
    const m1 = await scrape(B)
    const duringOutage = [...sentAt.values()].filter(t => t > tKill && t <= writerBack).length
    const res = {
      written: sentAt.size, writerHolds: writer.map.size, duringOutage,
      failoverMs: writerBack - tKill,
      caughtUpMs: back.missing ? NaN : back.ms, missing: back.missing,
      maxLatency: stats(lat).max,
      failedOver: `${failedOver}/10`,
      ...check,
      metrics: [metricsRow(label, A, null, null), metricsRow(label, B, m0, m1)]
    }
    res.ok = res.lost === 0 && res.union === res.written && res.converged
    log(`${label}: lost ${res.lost}, writer back after ${r1(res.failoverMs)} ms, all caught up after ${r1(res.caughtUpMs)} ms`)
    return res
  } finally {
    for (const c of clients) c.destroy()
    await A.stop(); await B.stop()
  }
}

async function redisRestartRun (services) {
  const label = 'redis-restart'
  const UPDATES = 200; const RATE = 20; const STOP_AFTER = 3000; const DOWN_MS = 2000
  const s = await faultSetup(label, services, 5, 10)
  const { A, B, clients, writer } = s
  try {
    const m0 = await Promise.all([scrape(A), scrape(B)])
    const sentAt = new Map()
    let tStop = NaN; let tStopped = NaN; let tResumed = NaN
    const start = now() + 50
    const fault = (async () => {
      await sleep(STOP_AFTER + 50)
      tStop = now()
      // `stop` returns once the process is gone, which can be later than the port closing:
      // the outage is timed from the port refusing connections.
      const stopping = servicesCmd('stop', servicesDir, 'redis')
      while (await tcpUp(services.redisPort) && now() - tStop < 10_000) await sleep(5)
      tStopped = now()
      log(`${label}: Redis stopped`)
      await stopping
      await sleep(Math.max(0, tStopped + DOWN_MS - now()))
      await servicesCmd('resume', servicesDir, 'redis')
      tResumed = now()
      log(`${label}: Redis back`)
    })()
    await schedule(start, UPDATES, RATE, seq => { const key = `k:${seq}`; sentAt.set(key, write(writer, key, 'A', seq)) })
    await fault
    const readersB = clients.filter(c => c.home === B)
    const readersA = clients.filter(c => c.home === A && c !== writer)
    await waitUntil(() => clients.every(c => c.map.size === writer.map.size), cfg.drainMs)
    const back = catchUp(readersB, sentAt, tResumed, tResumed)
    const latB = []; const latA = []
    for (const [k, t] of sentAt) {
      if (t < tStopped || t > tResumed) continue
      for (const c of readersB) { const r = c.seen.get(k); if (r != null) latB.push(r - t) }
      for (const c of readersA) { const r = c.seen.get(k); if (r != null) latA.push(r - t) }
    }
    // Deliveries to B's readers of updates written while Redis was down, and how many of them
    // arrived before it was back (the periodic check against the store, every 2 s).
    let outageDeliveries = 0; let beforeBack = 0
    for (const [k, t] of sentAt) {
      if (t < tStopped || t > tResumed) continue
      for (const c of readersB) { const r = c.seen.get(k); if (r != null) { outageDeliveries++; if (r < tResumed) beforeBack++ } }
    }
    const check = await lostCheck(clients, B, s.board)
    const m1 = await Promise.all([scrape(A), scrape(B)])
    const res = {
      written: sentAt.size, downMs: tResumed - tStopped, stopMs: tStopped - tStop,
      duringOutage: [...sentAt.values()].filter(t => t >= tStopped && t <= tResumed).length,
      caughtUpMs: back.missing ? NaN : back.ms, missing: back.missing,
      outageB: stats(latB), outageA: stats(latA), outageDeliveries, beforeBack,
      ...check,
      metrics: [metricsRow(label, A, m0[0], m1[0]), metricsRow(label, B, m0[1], m1[1])]
    }
    res.ok = res.lost === 0 && res.union === res.written && res.converged
    log(`${label}: lost ${res.lost}, readers on B had everything ${r1(res.caughtUpMs)} ms after Redis was back`)
    return res
  } finally {
    for (const c of clients) c.destroy()
    await A.stop(); await B.stop()
  }
}

// ------------------------------------------------------------------ main

function section (text) {
  console.log(text)
  report.push(text)
  writeFileSync(outFile, report.join('\n')) // as it goes, so an aborted run keeps what it measured
}

async function main () {
  if (!existsSync(cfg.serverBin)) throw new Error(`${cfg.serverBin} is missing: run scripts/build-release (or set SERVER_BIN)`)
  mkdirSync(outDir, { recursive: true })
  // A copy, so a rebuild in target/ during the run cannot swap the binary underneath.
  copyFileSync(cfg.serverBin, join(workDir, 'server'))
  const watchdog = setTimeout(() => { log(`TOTAL_MS (${cfg.totalMs}) exceeded: aborting`); process.exit(2) }, cfg.totalMs)
  watchdog.unref()
  log(`services in ${servicesDir}`)
  const services = await startServices()
  let gitRev = '?'
  try { gitRev = execFileSync('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim() } catch {}
  section(`# Cluster benchmark ${runStamp}\n\nserver: ${cfg.serverBin} (HEAD ${gitRev}, working tree may differ); ` +
    `update ~${cfg.payload} B; node logs in ${outDir}\n`)

  const loads = []
  for (const scenario of cfg.scenarios.filter(s => LOADS[s])) {
    const rs = []
    for (const setup of cfg.setups) rs.push(await loadRun(scenario, setup, services))
    loads.push(rs)
    const l = LOADS[scenario]
    section(`## ${scenario} (${l.boards} board(s), ${l.perNode * 2} clients each, ${l.updates} updates per board at ${l.rate} Hz)\n\n${LOAD_HEAD}\n${rs.map(loadRow).join('\n')}\n`)
  }
  if (loads.length) {
    const lines = ['## Ratios and targets', '',
      '| load | CPU per delivery: cluster / sqlite-single | cluster / pg-single | latency p99 ms: sqlite-single / pg-single / cluster same-node / cluster cross-node | cross-node p99 − same-node p99 | ≤ 5 ms | per update, cross − same median: p50 / p99 ms | lost (all runs) |',
      '|---|---|---|---|---|---|---|---|']
    for (const rs of loads) {
      const by = Object.fromEntries(rs.map(r => [r.setup, r]))
      const c = by.cluster
      const ratio = other => (c && other ? r2(c.usPerDelivery / other.usPerDelivery) + '×' : '-')
      const gap = c ? c.cross.p99 - c.same.p99 : NaN
      lines.push(`| ${rs[0].scenario} | ${ratio(by.sqlite)} | ${ratio(by.pg)} | ${r2(by.sqlite?.all.p99)} / ${r2(by.pg?.all.p99)} / ${r2(c?.same.p99)} / ${r2(c?.cross.p99)} | ` +
        `${r2(gap)} ms | ${Number.isNaN(gap) ? '-' : gap <= TARGET_MS ? 'yes' : `NO (by ${r2(gap - TARGET_MS)} ms)`} | ` +
        `${c ? `${r2(c.paired.p50)} / ${r2(c.paired.p99)}` : '-'} | ${rs.map(r => r.lost).join(' / ')} |`)
    }
    lines.push('', '### Server metrics over the write phase (deltas of /metrics)', '', METRICS_HEAD)
    for (const rs of loads) for (const r of rs) lines.push(...r.metrics)
    section(lines.join('\n') + '\n')
  }

  if (cfg.scenarios.includes('kill-node')) {
    const r = await killNodeRun(services)
    section(['## kill-node (1 board: writer + 9 readers on A, 10 readers on B; 160 updates at 20 Hz; A killed 3 s in; A\'s clients reconnect to B)', '',
      '| written | written while the writer was away | writer synced on B after kill | all clients had everything written until then | max delivery latency after kill | clients failed over | lost | converged (+fresh on B) | ok |',
      '|---|---|---|---|---|---|---|---|---|',
      `| ${r.written} (writer holds ${r.writerHolds}) | ${r.duringOutage} | ${r1(r.failoverMs)} ms | ${Number.isNaN(r.caughtUpMs) ? `${r.missing} missing` : `${r1(r.caughtUpMs)} ms`} | ${r1(r.maxLatency)} ms | ${r.failedOver} | ${r.lost} | ${r.converged ? 'yes' : 'NO'} (fresh has ${r.fresh}/${r.union}) | ${r.ok ? 'yes' : 'NO'} |`,
      '', METRICS_HEAD, ...r.metrics, ''].join('\n'))
  }
  if (cfg.scenarios.includes('redis-restart')) {
    const r = await redisRestartRun(services)
    const lat = s => (s.n ? `${r1(s.p50)} / ${r1(s.max)} (${s.n})` : '-')
    section(['## redis-restart (1 board: writer + 4 readers on A, 10 readers on B; 200 updates at 20 Hz; Redis stopped 3 s in, started 2 s later)', '',
      '| written | Redis down: port closed → back (SIGTERM → port closed) | written while down | of those, delivered on B before Redis was back | readers on B had everything after Redis was back | latency while down, B readers p50 / max ms | A readers p50 / max ms | lost | converged (+fresh on B) | ok |',
      '|---|---|---|---|---|---|---|---|---|---|',
      `| ${r.written} | ${r1(r.downMs)} ms (${r1(r.stopMs)} ms) | ${r.duringOutage} | ${r.beforeBack} / ${r.outageDeliveries} | ${Number.isNaN(r.caughtUpMs) ? `${r.missing} missing` : `${r1(r.caughtUpMs)} ms`} | ${lat(r.outageB)} | ${lat(r.outageA)} | ${r.lost} | ${r.converged ? 'yes' : 'NO'} (fresh has ${r.fresh}/${r.union}) | ${r.ok ? 'yes' : 'NO'} |`,
      '', METRICS_HEAD, ...r.metrics, ''].join('\n'))
  }
}

let code = 0
try {
  await main()
} catch (err) {
  code = 1
  log(`error: ${err.stack ?? err}`)
  report.push(`\nRUN FAILED: ${err.message}\n`)
} finally {
  if (report.length) {
    writeFileSync(outFile, report.join('\n'))
    log(`results: ${outFile}`)
  }
  cleanupSync()
}
process.exit(code)
