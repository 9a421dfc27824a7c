// A class: 1 drawer, 200 viewers. One teacher draws on a board (WebSocket, edit key) while a
// class watches it with the view key, first every viewer over WebSocket, then every viewer over
// the HTTP fallback (`/poll/{board}`). Per delivery (one update reaching one viewer) it measures
// the latency from the drawer's send to the viewer's receipt, the deliveries lost, and the
// server's CPU time (utime + stime from /proc/PID/stat) divided by the deliveries.
//
//   node bench/class.mjs                      (after scripts/build-release)
//   VIEWERS=50 UPDATES=100 node bench/class.mjs
//
// Knobs (environment): VIEWERS (200), UPDATES (300), RATE (10 updates/s), PAYLOAD (200: bytes of
// one shape's update), TRANSPORTS ("ws,poll": viewers' transports, in order), DRAIN_MS (10000:
// how long to wait for late deliveries after the last update), CONNECT_MS (60000: time for every
// viewer to sync), CONCURRENCY (20 viewers connecting at once), SERVER (target/release/server),
// OUT (a file to write the results to as JSON). WB_* variables pass through to the server.
//
// Viewers are light: a raw y-protocols exchange (they answer the server's sync step 1 with an
// empty step 2 and send their own step 1) with no Y.Doc; a delivery is found by the marker each
// shape carries in its bytes (`#CLS:000123#`), so Node's CPU stays small next to the server's.
// The poll viewers use node:http with keep-alive, one long poll each always in flight, the
// cursor (`after`) acknowledging what they got; the drawer is a real yjs + y-websocket client.
// Every server is a copy of the binary in a temporary directory, on 127.0.0.1, with its own
// SQLite file, stopped by its PID.
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
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
  viewers: Number(env('VIEWERS', 200)),
  updates: Number(env('UPDATES', 300)),
  rate: Number(env('RATE', 10)),
  payload: Number(env('PAYLOAD', 200)),
  transports: env('TRANSPORTS', 'ws,poll').split(',').map(s => s.trim()).filter(Boolean),
  drainMs: Number(env('DRAIN_MS', 10_000)),
  connectMs: Number(env('CONNECT_MS', 60_000)),
  concurrency: Number(env('CONCURRENCY', 20)),
  server: resolve(repoRoot, env('SERVER', 'target/release/server')),
  out: env('OUT', null)
}
for (const t of cfg.transports) if (!['ws', 'poll'].includes(t)) throw new Error(`unknown transport ${t}`)
if (cfg.updates > 999_999) throw new Error('UPDATES must fit the 6-digit marker')

const READY_MS = 20_000
const STOP_MS = 10_000
const REQUEST_MS = 30_000 // the server answers an idle poll after 20 s
const CLK_TCK = 100
const MARK = Buffer.from('#CLS:')

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

// ------------------------------------------------------------------ server

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

async function startServer () {
  if (!existsSync(cfg.server)) throw new Error(`${cfg.server} is missing: run scripts/build-release`)
  const dir = mkdtempSync(join(tmpdir(), 'whiteboard-bench-class-'))
  // A copy, so a rebuild in target/ during the run cannot swap the binary underneath.
  copyFileSync(cfg.server, join(dir, 'server'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const log = []
  const places = String(cfg.viewers + 50)
  const child = spawn(join(dir, 'server'), [], {
    cwd: dir,
    env: {
      WB_MAX_CONNECTIONS_PER_ADDRESS: places, // every viewer comes from 127.0.0.1
      WB_MAX_CONNECTIONS_PER_BOARD: places,
      ...process.env,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: join(repoRoot, 'target', 'site'),
      LEPTOS_OUTPUT_NAME: 'whiteboard',
      LEPTOS_ENV: 'PROD',
      DATABASE_URL: `sqlite://${join(dir, 'board.db')}`,
      RUST_LOG: env('RUST_LOG', 'warn'),
      NO_COLOR: '1'
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const keep = chunk => { log.push(String(chunk)); if (log.length > 200) log.shift() }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)

  async function stop () {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise(resolve => child.once('exit', resolve))
      process.kill(child.pid, 'SIGTERM')
      const timer = setTimeout(() => process.kill(child.pid, 'SIGKILL'), STOP_MS)
      await exited
      clearTimeout(timer)
    }
    rmSync(dir, { recursive: true, force: true })
  }

  const deadline = Date.now() + READY_MS
  for (;;) {
    if (child.exitCode !== null) { await stop(); throw new Error(`server exited with ${child.exitCode}\n${log.join('')}`) }
    try { if ((await fetch(`${url}/healthz`)).ok) break } catch {}
    if (Date.now() > deadline) { await stop(); throw new Error(`server not ready within ${READY_MS} ms\n${log.join('')}`) }
    await sleep(50)
  }
  return { url, wsBase: `ws://127.0.0.1:${port}/ws`, pid: child.pid, log, stop }
}

function serverCpuMs (pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 1000 / CLK_TCK
}

// ------------------------------------------------------------------ frames

// Server's sync step 1 → our empty step 2 ([sync, step 2, update of 2 bytes: no structs, no
// deletions]); our step 1 with an empty state vector.
const EMPTY_STEP2 = Uint8Array.of(0, 1, 2, 0, 0)
const EMPTY_STEP1 = Uint8Array.of(0, 0, 1, 0)

/** Everything the viewers saw, shared by both transports. */
class Tally {
  constructor (updates) {
    this.updates = updates
    this.sentAt = new Float64Array(updates).fill(NaN)
    this.latencies = []
    this.delivered = 0
    this.duplicates = 0
    this.lastAt = 0
  }

  /** A frame a viewer received at `t`: counts the markers of shapes it had not seen. */
  frame (viewer, frame, t) {
    // Only sync messages (step 2 or update) carry shapes.
    if (frame[0] !== 0 || (frame[1] !== 1 && frame[1] !== 2)) return
    const buf = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)
    let at = buf.indexOf(MARK)
    while (at !== -1) {
      const seq = Number(buf.toString('latin1', at + MARK.length, at + MARK.length + 6))
      if (seq >= 0 && seq < this.updates) {
        if (viewer.seen[seq]) {
          this.duplicates++
        } else {
          viewer.seen[seq] = 1
          this.delivered++
          this.lastAt = t
          if (!Number.isNaN(this.sentAt[seq])) this.latencies.push(t - this.sentAt[seq])
        }
      }
      at = buf.indexOf(MARK, at + MARK.length)
    }
  }
}

// ------------------------------------------------------------------ viewers

class WsViewer {
  constructor (wsBase, board, key, tally) {
    this.tally = tally
    this.seen = new Uint8Array(tally.updates)
    this.synced = false
    this.closes = []
    this.ws = new WebSocket(`${wsBase}/${board}?key=${encodeURIComponent(key)}`, { perMessageDeflate: false })
    this.ws.binaryType = 'nodebuffer'
    this.ws.on('open', () => this.ws.send(EMPTY_STEP1))
    this.ws.on('message', data => {
      const t = performance.now()
      if (data[0] === 0 && data[1] === 0) this.ws.send(EMPTY_STEP2)
      else if (data[0] === 0 && data[1] === 1) this.synced = true
      this.tally.frame(this, data, t)
    })
    this.ws.on('close', code => this.closes.push(code))
    this.ws.on('error', () => {})
  }

  stop () { this.ws.terminate() }
}

/** `http.request` as a promise of `{ status, body }`; `track` holds the request to abort it. */
function request (agent, method, url, body, track) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method,
      agent,
      headers: body ? { 'content-type': 'application/octet-stream', 'content-length': body.length } : { 'content-length': 0 }
    }, res => {
      const chunks = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks), t: performance.now() }))
      res.on('error', reject)
    })
    req.setTimeout(REQUEST_MS, () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    track.req = req
    req.end(body)
  })
}

class PollViewer {
  constructor (baseUrl, board, key, tally, agent, counters) {
    this.base = `${baseUrl}/poll/${board}`
    this.key = key
    this.tally = tally
    this.agent = agent
    this.counters = counters
    this.seen = new Uint8Array(tally.updates)
    this.synced = false
    this.stopped = false
    this.closes = []
    this.sessions = 0
    this.poller = {}
    this.poster = {}
    this.done = this.run()
  }

  async run () {
    let failures = 0
    while (!this.stopped && failures < 20) {
      let res
      try {
        res = await request(this.agent, 'POST', `${this.base}?key=${encodeURIComponent(this.key)}`, null, this.poller)
      } catch { failures++; await this.pause(failures); continue }
      if (res.status !== 201) { this.closes.push(`open ${res.status}`); failures++; await this.pause(failures); continue }
      failures = 0
      this.sessions++
      const session = { url: `${this.base}/${JSON.parse(res.body).session}`, after: 0, batch: 0, outbox: [], posting: false }
      this.send(session, EMPTY_STEP1)
      await this.poll(session)
    }
  }

  pause (failures) { return this.stopped ? null : sleep(Math.min(1000, 50 * 2 ** failures)) }

  /** The long-poll loop of one session; returns when the session is gone. */
  async poll (s) {
    let failures = 0
    while (!this.stopped && failures < 20) {
      let res
      try {
        this.counters.polls++
        res = await request(this.agent, 'GET', `${s.url}?after=${s.after}`, null, this.poller)
      } catch { failures++; await this.pause(failures); continue }
      failures = 0
      if (res.status !== 200) {
        this.closes.push(res.status === 410 ? JSON.parse(res.body).code : res.status)
        return
      }
      const body = res.body
      let at = 0
      while (at + 8 <= body.length) {
        const seq = body.readUInt32BE(at)
        const len = body.readUInt32BE(at + 4)
        const frame = body.subarray(at + 8, at + 8 + len)
        at += 8 + len
        if (seq <= s.after) { this.counters.duplicateFrames++; continue }
        if (seq !== s.after + 1) this.counters.gaps++
        s.after = seq
        if (frame[0] === 0 && frame[1] === 0) this.send(s, EMPTY_STEP2)
        else if (frame[0] === 0 && frame[1] === 1) this.synced = true
        this.tally.frame(this, frame, res.t)
      }
    }
  }

  /** Queues a frame; batches go one at a time, a failed one again under the same number. */
  async send (s, frame) {
    s.outbox.push(frame)
    if (s.posting) return
    s.posting = true
    try {
      while (s.outbox.length > 0 && !this.stopped) {
        const frames = s.outbox.splice(0)
        const body = Buffer.concat(frames.flatMap(f => { const h = Buffer.alloc(4); h.writeUInt32BE(f.length); return [h, f] }))
        const batch = ++s.batch
        for (let attempt = 0; attempt < 10 && !this.stopped; attempt++) {
          try {
            const res = await request(this.agent, 'POST', `${s.url}?batch=${batch}`, body, this.poster)
            if (res.status !== 204) this.closes.push(`batch ${res.status}`)
            break
          } catch { await this.pause(attempt) }
        }
      }
    } finally {
      s.posting = false
    }
  }

  stop () {
    this.stopped = true
    this.poller.req?.destroy()
    this.poster.req?.destroy()
  }
}

// ------------------------------------------------------------------ one run

async function createBoard (url) {
  const res = await fetch(`${url}/boards`, { method: 'POST', headers: { accept: 'application/json' } })
  if (res.status !== 201) throw new Error(`POST /boards answered ${res.status}: ${await res.text()}`)
  return res.json()
}

async function waitFor (what, predicate, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

function shape (seq) {
  const values = {
    type: 'rect',
    x: (seq * 37) % 1920,
    y: (seq * 53) % 1080,
    w: 120,
    h: 80,
    stroke: '#1e1e1e',
    fill: ['#e03131', '#2f9e44', '#1971c2', '#f08c00', '#6741d9'][seq % 5],
    strokeWidth: 2,
    index: `a${String(seq).padStart(6, '0')}`,
    text: `#CLS:${String(seq).padStart(6, '0')}#`
  }
  values.text += ' '.repeat(padding)
  const m = new Y.Map()
  for (const [k, v] of Object.entries(values)) m.set(k, v)
  return m
}

/** Padding that makes one shape's update about PAYLOAD bytes on the wire. */
function paddingFor (bytes) {
  const probe = new Y.Doc()
  let size = 0
  probe.on('update', update => { size = update.length })
  probe.getMap('shapes').set('s0', shape(0))
  probe.destroy()
  return Math.max(0, bytes - size)
}
let padding = 0
padding = paddingFor(cfg.payload)

function percentile (sorted, p) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))]
}

async function run (transport) {
  const server = await startServer()
  const tally = new Tally(cfg.updates)
  const viewers = []
  const counters = { polls: 0, duplicateFrames: 0, gaps: 0 }
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity })
  let drawer = null
  try {
    const { id, keys } = await createBoard(server.url)

    const doc = new Y.Doc()
    const shapes = doc.getMap('shapes')
    const provider = new WebsocketProvider(server.wsBase, id, doc, {
      WebSocketPolyfill: WebSocket, disableBc: true, params: { key: keys.edit }
    })
    drawer = { doc, provider }
    let updateBytes = 0
    doc.on('update', update => { updateBytes = update.length })
    await waitFor('the drawer to sync', () => provider.synced, cfg.connectMs)

    const connectStart = performance.now()
    let next = 0
    await Promise.all(Array.from({ length: cfg.concurrency }, async () => {
      while (next < cfg.viewers) {
        next++
        const v = transport === 'ws'
          ? new WsViewer(server.wsBase, id, keys.view, tally)
          : new PollViewer(server.url, id, keys.view, tally, agent, counters)
        viewers.push(v)
        await waitFor('a viewer to sync', () => v.synced, cfg.connectMs)
      }
    }))
    const connectMs = performance.now() - connectStart
    await sleep(500) // let the joins' presence and sync traffic settle

    const loop = monitorEventLoopDelay({ resolution: 2 })
    loop.enable()
    const cpu0 = serverCpuMs(server.pid)
    const client0 = process.cpuUsage()
    const polls0 = counters.polls
    const t0 = performance.now()
    const interval = 1000 / cfg.rate
    for (let seq = 0; seq < cfg.updates; seq++) {
      const due = t0 + seq * interval
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
      const m = shape(seq)
      tally.sentAt[seq] = performance.now()
      doc.transact(() => shapes.set(`s${seq}`, m))
    }
    const lastSent = performance.now()
    const expected = cfg.updates * cfg.viewers
    const drainDeadline = lastSent + cfg.drainMs
    while (tally.delivered < expected && performance.now() < drainDeadline) await sleep(10)
    const cpu1 = serverCpuMs(server.pid)
    const client = process.cpuUsage(client0)
    loop.disable()

    const lat = Float64Array.from(tally.latencies).sort()
    const closes = viewers.flatMap(v => v.closes)
    return {
      transport,
      viewers: cfg.viewers,
      updates: cfg.updates,
      updateBytes,
      connectMs: Math.round(connectMs),
      drawMs: Math.round(lastSent - t0),
      expected,
      delivered: tally.delivered,
      lost: expected - tally.delivered,
      duplicates: tally.duplicates,
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      max: lat.length ? lat[lat.length - 1] : NaN,
      serverCpuMs: cpu1 - cpu0,
      usPerDelivery: tally.delivered ? (cpu1 - cpu0) * 1000 / tally.delivered : NaN,
      clientCpuMs: (client.user + client.system) / 1000,
      loopDelayP99Ms: loop.percentile(99) / 1e6,
      polls: counters.polls - polls0,
      duplicateFrames: counters.duplicateFrames,
      gaps: counters.gaps,
      reopened: transport === 'poll' ? viewers.reduce((n, v) => n + v.sessions - 1, 0) : 0,
      closes: closes.length,
      closeCodes: [...new Set(closes)].join(' ')
    }
  } finally {
    for (const v of viewers) v.stop()
    await Promise.all(viewers.map(v => v.done?.catch(() => {})))
    if (drawer) { drawer.provider.destroy(); drawer.doc.destroy() }
    agent.destroy()
    await server.stop()
  }
}

// ------------------------------------------------------------------ report

const f1 = x => Number.isFinite(x) ? x.toFixed(1) : '-'
const f2 = x => Number.isFinite(x) ? x.toFixed(2) : '-'

function table (results) {
  const rows = [
    '| viewers over | deliveries (lost, dup) | latency p50 / p99 / max ms | server CPU ms | µs per delivery | client CPU ms (loop p99 ms) | connect all ms | polls |',
    '|---|---|---|---|---|---|---|---|'
  ]
  for (const r of results) {
    rows.push(`| ${r.transport === 'ws' ? 'WebSocket' : 'HTTP fallback'} | ${r.delivered} / ${r.expected} (${r.lost}, ${r.duplicates}) | ` +
      `${f1(r.p50)} / ${f1(r.p99)} / ${f1(r.max)} | ${Math.round(r.serverCpuMs)} | ${f1(r.usPerDelivery)} | ` +
      `${Math.round(r.clientCpuMs)} (${f1(r.loopDelayP99Ms)}) | ${r.connectMs} | ${r.transport === 'poll' ? r.polls : '-'} |`)
  }
  const ws = results.find(r => r.transport === 'ws')
  const poll = results.find(r => r.transport === 'poll')
  if (ws && poll) {
    rows.push(`| **fallback / WebSocket** | | ${f2(poll.p50 / ws.p50)} / ${f2(poll.p99 / ws.p99)} / ${f2(poll.max / ws.max)} | ` +
      `${f2(poll.serverCpuMs / ws.serverCpuMs)} | **${f2(poll.usPerDelivery / ws.usPerDelivery)}** | ${f2(poll.clientCpuMs / ws.clientCpuMs)} | | |`)
  }
  return rows.join('\n')
}

const results = []
console.log(`A class: 1 drawer (WebSocket, edit key), ${cfg.viewers} viewers (view key); ` +
  `${cfg.updates} updates at ${cfg.rate}/s, ~${cfg.payload} B each`)
for (const transport of cfg.transports) {
  const r = await run(transport)
  results.push(r)
  console.log(`${transport}: ${r.delivered}/${r.expected} delivered, ${r.lost} lost, p50 ${f1(r.p50)} ms, ` +
    `p99 ${f1(r.p99)} ms, server ${Math.round(r.serverCpuMs)} ms CPU = ${f1(r.usPerDelivery)} µs/delivery, ` +
    `update ${r.updateBytes} B` + (r.closes ? `, closes: ${r.closeCodes}` : '') +
    (transport === 'poll' ? `, ${r.polls} polls, ${r.reopened} sessions reopened, ${r.duplicateFrames} duplicate frames, ${r.gaps} gaps` : ''))
}
console.log()
console.log(table(results))
if (cfg.out) writeFileSync(cfg.out, JSON.stringify({ date: new Date().toISOString(), cfg, results }, null, 2))
