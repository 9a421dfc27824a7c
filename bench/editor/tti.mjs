// Time to interactive on a slow network: headless Chromium with the network throttled through
// the DevTools protocol (4 Mbit/s each way, 150 ms round trip, a cold cache), opening an empty
// board and the 10,000-shape board (A of run.mjs), from navigation to the first stroke accepted.
// Reports figures; asserts nothing. See bench/editor/README.md.
//
//   node bench/editor/tti.mjs
//   BENCH_BUILD_DIR=/path/to/target node bench/editor/tti.mjs   # another build
import { join } from 'node:path'
import { chromium, repoRoot } from './deps.mjs'
import { startServer } from './server.mjs'
import { createBoard, generateShapes, seedBoard, SHAPE_MIX } from './seed.mjs'

const BUILD_DIR = process.env.BENCH_BUILD_DIR || join(repoRoot, 'target')
const LAUNCH = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync']
}
const VIEWPORT = { width: 1280, height: 800 }
/** The slow network: 4 Mbit/s down and up (bytes per second here), 150 ms round trip. */
const NETWORK = { offline: false, latency: 150, downloadThroughput: 4e6 / 8, uploadThroughput: 4e6 / 8 }
const RUNS = 3
const TIMEOUT_MS = 60_000
const BOARDS = [
  { key: 'empty', label: 'empty board', target: 2000, spec: null },
  {
    key: 'A',
    label: '10,000 mixed shapes',
    target: 3000,
    spec: { count: 10_000, mix: SHAPE_MIX, area: 20_000, size: [40, 300], penPoints: [20, 50] }
  }
]

/**
 * One cold load of `url`: milliseconds from `goto` to the page's HTML, to the WASM received,
 * to "connected" (the whole board applied), and to the first stroke accepted (a rectangle
 * drawn as soon as the board is connected is in the shape list), with the bytes received and
 * their encodings.
 */
async function coldLoad (browser, url, before) {
  const context = await browser.newContext({ viewport: VIEWPORT })
  try {
    const page = await context.newPage()
    const errors = []
    page.on('pageerror', err => errors.push(err.message))
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
    await cdp.send('Network.emulateNetworkConditions', NETWORK)
    let bytes = 0
    const encodings = new Map()
    cdp.on('Network.loadingFinished', e => { bytes += e.encodedDataLength })
    cdp.on('Network.responseReceived', e => {
      const encoding = e.response.headers['content-encoding'] ?? e.response.headers['Content-Encoding'] ?? 'none'
      const name = new URL(e.response.url).pathname.split('/').pop() || '(page)'
      encodings.set(name, encoding)
    })
    cdp.on('Network.webSocketFrameReceived', e => { bytes += e.response.payloadData.length * 3 / 4 })

    const start = Date.now()
    await page.goto(url, { waitUntil: 'commit', timeout: TIMEOUT_MS })
    const html = Date.now() - start
    await page.locator('[role=status][data-status=connected]').waitFor({ timeout: TIMEOUT_MS })
    const connected = Date.now() - start
    await page.getByRole('toolbar', { name: 'Tools' }).getByRole('button', { name: 'Rectangle', exact: true }).click()
    const box = await page.locator('canvas.board-canvas').boundingBox()
    await page.mouse.move(box.x + 300, box.y + 300)
    await page.mouse.down()
    await page.mouse.move(box.x + 400, box.y + 380, { steps: 3 })
    await page.mouse.up()
    await page.waitForFunction(n => document.querySelectorAll('ul[role=list][aria-label=Shapes] > li').length > n,
      before, { polling: 20, timeout: TIMEOUT_MS })
    const stroke = Date.now() - start
    // When the WASM had arrived, from the page's own timing (milliseconds since navigation).
    const wasm = Math.round(await page.evaluate(() =>
      performance.getEntriesByType('resource').find(e => e.name.endsWith('/whiteboard.wasm'))?.responseEnd ?? NaN))
    return { html, wasm, connected, stroke, bytes, encodings: Object.fromEntries(encodings), errors }
  } finally {
    await context.close()
  }
}

const median = values => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

const server = await startServer(BUILD_DIR)
const browser = await chromium.launch(LAUNCH)
try {
  console.log(`time to interactive: 4 Mbit/s each way, 150 ms round trip, cold cache; ${RUNS} loads per board, median (range)`)
  console.log(`server pid ${server.pid} at ${server.url}, build ${BUILD_DIR}\n`)
  for (const board of BOARDS) {
    const { id, url, keys } = await createBoard(server.url)
    const shapes = board.spec ? generateShapes(board.spec, 1) : new Map()
    if (shapes.size > 0) await seedBoard(server.wsBase, { id, key: keys.edit }, shapes, 500)
    const runs = []
    // Each load draws a rectangle, so the next one expects one more shape.
    for (let i = 0; i < RUNS; i++) runs.push(await coldLoad(browser, server.url + url, shapes.size + i))
    const errors = runs.flatMap(r => r.errors)
    if (errors.length > 0) throw new Error(`page errors on ${board.key}: ${errors.join('; ')}`)
    const show = key => {
      const values = runs.map(r => r[key])
      return `${median(values)} ms (${Math.min(...values)}–${Math.max(...values)})`
    }
    console.log(`${board.label}:`)
    console.log(`  HTML (first byte)       ${show('html')}`)
    console.log(`  WASM received           ${show('wasm')}`)
    console.log(`  board connected         ${show('connected')}`)
    console.log(`  first stroke accepted   ${show('stroke')}   (target ≤ ${board.target} ms)`)
    console.log(`  received                ${median(runs.map(r => r.bytes)).toLocaleString('en')} bytes (HTTP bodies and headers, WebSocket payloads)`)
    console.log(`  encodings               ${JSON.stringify(runs[0].encodings)}\n`)
  }
} finally {
  await browser.close()
  await server.stop()
}
