// Browser benchmark of the canvas editor: load time, memory and frame intervals while panning
// and zooming, on an empty board (baseline), a board of 10,000 mixed shapes (clean, and the
// same shapes hand-drawn), and a board of 1,000 long pen strokes. Reports figures; asserts
// nothing. See bench/editor/README.md.
//
//   node bench/editor/run.mjs
//   BENCH_BOARDS=A,A-sketch node bench/editor/run.mjs   # only those boards (or A,A-frames)
//   BENCH_BUILD_DIR=/path/to/target node bench/editor/run.mjs   # another build
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { chromium, repoRoot } from './deps.mjs'
import { startServer } from './server.mjs'
import { collaborator, createBoard, generateShapes, seedBoard, SHAPE_MIX } from './seed.mjs'
import { INPUT_INTERVAL_MS, idle, loadBoard, memory, pan, remote, zoom } from './page.mjs'

const BUILD_DIR = process.env.BENCH_BUILD_DIR || join(repoRoot, 'target')
const RESULTS_DIR = join(repoRoot, 'target', 'bench')

/** The same browser as end2end/playwright.config.ts: Debian's Chromium, never a download. */
const LAUNCH = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync']
}
const VIEWPORT = { width: 1280, height: 800 }

/** Loads per board (a new browser context each); the figures are the median. */
const LOAD_RUNS = 3
const IDLE_MS = 1000
const PAN_MS = 3000
const ZOOM_MS = 2000
/** How long another person drags a shape while the page records frames. */
const REMOTE_MS = 3000
/** Shapes per Yjs transaction while seeding. */
const SEED_BATCH = 500

const MIXED = { count: 10_000, mix: SHAPE_MIX, area: 20_000, size: [40, 300], penPoints: [20, 50] }

// `seed`: the random shapes' seed (A, A-sketch and A-hand share it: the same shapes, three looks).
const ALL_BOARDS = [
  { key: 'baseline', label: 'empty board (baseline)', spec: null },
  { key: 'A', label: '10,000 mixed shapes', seed: 1, spec: MIXED },
  {
    key: 'A-sketch',
    label: '10,000 mixed shapes, all hand-drawn (artist)',
    seed: 1,
    spec: { ...MIXED, style: { sloppiness: 'artist' } }
  },
  {
    key: 'A-hand',
    label: '10,000 mixed shapes, all text in the hand-writing face',
    seed: 1,
    spec: { ...MIXED, style: { fontFamily: 'hand' } }
  },
  {
    key: 'A-frames',
    label: '10,000 mixed shapes in 100 frames, every line and arrow labelled',
    seed: 1,
    spec: { ...MIXED, frames: 10, lineLabels: true }
  },
  {
    key: 'B',
    label: '1,000 pen strokes x 200 points',
    seed: 2,
    spec: { count: 1_000, mix: [{ type: 'pen', weight: 1 }], area: 5_000, size: [40, 300], penPoints: [200, 200] }
  }
]

/** BENCH_BOARDS=A,A-sketch runs only those boards (default: all). */
const BOARDS = process.env.BENCH_BOARDS
  ? ALL_BOARDS.filter(b => process.env.BENCH_BOARDS.split(',').includes(b.key))
  : ALL_BOARDS

/** Nearest-rank percentile of an ascending array. */
function percentile (sorted, p) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))]
}

function median (values) {
  return percentile([...values].sort((a, b) => a - b), 50)
}

function frameStats ({ deltas, long, input, viewChanged }) {
  const sorted = [...deltas].sort((a, b) => a - b)
  const p95 = percentile(sorted, 95)
  const loaf = long['long-animation-frame']
  return {
    frames: deltas.length,
    p50: percentile(sorted, 50),
    p95,
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    fpsP95: 1000 / p95,
    longAnimationFrames: loaf ? loaf.length : null,
    longestAnimationFrame: loaf?.length ? Math.max(...loaf) : null,
    longTasks: long.longtask ? long.longtask.length : null,
    inputEvents: input.events,
    inputMs: input.ms,
    viewChanged,
    deltas: deltas.map(d => Math.round(d * 100) / 100)
  }
}

async function benchBoard (server, board) {
  const { id, url, keys } = await createBoard(server.url)
  const room = { id, key: keys.edit }
  const shapes = board.spec ? generateShapes(board.spec, board.seed) : new Map()
  if (shapes.size > 0) await seedBoard(server.wsBase, room, shapes, SEED_BATCH)

  const browser = await chromium.launch(LAUNCH)
  try {
    const loads = []
    const errors = []
    let kept
    for (let run = 0; run < LOAD_RUNS; run++) {
      await kept?.context.close()
      kept = await loadBoard(browser, server.url + url, shapes.size, VIEWPORT)
      loads.push(kept.load)
      errors.push(kept.errors)
    }
    const { page } = kept
    const mem = await memory(page)
    const phases = {
      idle: frameStats(await idle(page, IDLE_MS)),
      pan: frameStats(await pan(page, PAN_MS)),
      zoom: frameStats(await zoom(page, ZOOM_MS))
    }
    if (shapes.size > 0) {
      const moved = shapes.keys().next().value
      phases.remote = frameStats(await collaborator(server.wsBase, room, moved,
        step => remote(page, REMOTE_MS, step)))
    }
    return {
      key: board.key,
      label: board.label,
      boardId: id,
      browser: browser.version(),
      shapes: shapes.size,
      spec: board.spec,
      load: {
        connectedMs: median(loads.map(l => l.connectedMs)),
        readyMs: median(loads.map(l => l.readyMs)),
        runs: loads
      },
      memory: mem,
      phases,
      pageErrors: errors.flat()
    }
  } finally {
    await browser.close()
  }
}

const fmt = (value, digits = 1) => Number.isFinite(value) ? value.toFixed(digits) : '-'
const range = values => `${fmt(Math.min(...values), 0)}-${fmt(Math.max(...values), 0)}`

function printBoard (r) {
  const runs = r.load.runs
  const via = [...new Set(runs.map(l => l.via))].join('/')
  console.log(`\n### ${r.key}: ${r.label} (${r.shapes} shapes, board ${r.boardId})\n`)
  console.log('| load (median of %d, from page.goto) | ms | range |', runs.length)
  console.log('|---|---|---|')
  console.log(`| connected | ${fmt(r.load.connectedMs, 0)} | ${range(runs.map(l => l.connectedMs))} |`)
  console.log(`| all shapes ready (${via}, ${runs.at(-1).listItems} list items) | ${fmt(r.load.readyMs, 0)} | ${range(runs.map(l => l.readyMs))} |`)
  console.log(`\nJS heap after GC: ${fmt(r.memory.jsHeapUsed / 2 ** 20)} MB; WebAssembly memory: ${fmt(r.memory.wasmMemory / 2 ** 20)} MB\n`)
  console.log('| phase | frames | p50 ms | p95 ms | p99 ms | max ms | fps @ p95 | long anim. frames (longest ms) | long tasks | input events | view changed |')
  console.log('|---|---|---|---|---|---|---|---|---|---|---|')
  for (const [name, s] of Object.entries(r.phases)) {
    const loaf = s.longAnimationFrames === null ? 'n/a' : `${s.longAnimationFrames} (${fmt(s.longestAnimationFrame ?? 0, 0)})`
    const rate = s.inputEvents ? `${s.inputEvents} (${fmt(s.inputEvents / s.inputMs * 1000, 0)}/s)` : '-'
    const changed = name === 'idle' ? '-' : (s.viewChanged ? 'yes' : 'NO')
    console.log(`| ${name} | ${s.frames} | ${fmt(s.p50)} | ${fmt(s.p95)} | ${fmt(s.p99)} | ${fmt(s.max)} | ${fmt(s.fpsP95)} | ${loaf} | ${s.longTasks ?? 'n/a'} | ${rate} | ${changed} |`)
  }
  for (const message of r.pageErrors) console.log(`page error: ${message}`)
}

function timestamp (date) {
  const p = n => String(n).padStart(2, '0')
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`
}

async function main () {
  const startedAt = new Date()
  const server = await startServer(BUILD_DIR)
  const results = []
  try {
    console.log(`editor benchmark: server pid ${server.pid} at ${server.url}, build ${BUILD_DIR}`)
    console.log(`headless Chromium ${LAUNCH.args.join(' ')}, viewport ${VIEWPORT.width}x${VIEWPORT.height}, ${cpus().length} CPUs; input every ${INPUT_INTERVAL_MS} ms; pan ${PAN_MS} ms, zoom ${ZOOM_MS} ms`)
    for (const board of BOARDS) {
      const result = await benchBoard(server, board)
      results.push(result)
      printBoard(result)
    }
  } finally {
    await server.stop()
  }

  const baseline = results.find(r => r.key === 'baseline')
  const big = results.find(r => r.key === 'A')
  const looks = results.filter(r => r.key === 'A-sketch' || r.key === 'A-hand')
  console.log(`\nChromium ${results[0]?.browser}`)
  if (baseline) console.log(`baseline: rAF interval on the empty board idle p50 ${fmt(baseline.phases.idle.p50)} ms (16.7 = 60 Hz); panning it p95 ${fmt(baseline.phases.pan.p95)} ms`)
  if (big) {
    console.log('target: ≥ 55 fps p95 while panning the 10k board')
    console.log(`measured: ${fmt(big.phases.pan.fpsP95)} fps p95 while panning the 10k board`)
  }
  for (const look of big ? looks : []) {
    // The hand-drawn look may cost at most 10 % of the 10k board's frame time.
    for (const phase of ['pan', 'zoom', 'remote']) {
      const [a, b] = [big.phases[phase], look.phases[phase]]
      console.log(`${look.key} vs A, ${phase}: p50 ${fmt(a.p50)} → ${fmt(b.p50)} ms, p95 ${fmt(a.p95)} → ${fmt(b.p95)} ms (${fmt((b.p95 / a.p95 - 1) * 100)} %)`)
    }
  }

  mkdirSync(RESULTS_DIR, { recursive: true })
  const file = join(RESULTS_DIR, `editor-${timestamp(startedAt)}.json`)
  const settings = { LAUNCH, VIEWPORT, LOAD_RUNS, IDLE_MS, PAN_MS, ZOOM_MS, SEED_BATCH, INPUT_INTERVAL_MS }
  writeFileSync(file, JSON.stringify({ startedAt, buildDir: BUILD_DIR, cpus: cpus().length, settings, results }, null, 2))
  console.log(`results: ${file}`)
}

try {
  await main()
} catch (err) {
  console.error(err)
  process.exitCode = 1
}
