// Files on the 10,000-shape board, in the browser and on the server, from one run: export as
// SVG and PNG (time; the page's JS heap and WebAssembly memory after), the server's export
// endpoints (time), and a 5 MB .excalidraw import in the browser. Reports figures; asserts
// nothing. See bench/README.md ("Files and versions").
//
//   node bench/editor/files.mjs
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, repoRoot } from './deps.mjs'
import { startServer } from './server.mjs'
import { createBoard, generateShapes, seedBoard, SHAPE_MIX } from './seed.mjs'
import { loadBoard, memory } from './page.mjs'

const BUILD_DIR = process.env.BENCH_BUILD_DIR || join(repoRoot, 'target')
const LAUNCH = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking']
}
const VIEWPORT = { width: 1280, height: 800 }
const SPEC = { count: 10_000, mix: SHAPE_MIX, area: 20_000, size: [40, 300], penPoints: [20, 50] }
const MB = 1024 * 1024

/** An .excalidraw file of about `bytes`: rectangles, ellipses, arrows and freedraw. */
function excalidrawFile (bytes) {
  const elements = []
  let size = 0
  for (let i = 0; size < bytes; i++) {
    const type = ['rectangle', 'ellipse', 'arrow', 'freedraw'][i % 4]
    const e = {
      id: `e${i}`, type, x: (i * 37) % 10_000 - 5_000, y: (i * 91) % 10_000 - 5_000, width: 120, height: 80,
      angle: 0, strokeColor: '#1e1e1e', backgroundColor: 'transparent', fillStyle: 'solid', strokeWidth: 2,
      strokeStyle: 'solid', roughness: 1, opacity: 100, groupIds: [], frameId: null, roundness: null, seed: i,
      version: 1, versionNonce: i, isDeleted: false, boundElements: [], updated: 0, link: null, locked: false
    }
    if (type === 'arrow') Object.assign(e, { points: [[0, 0], [120, 80]], endArrowhead: 'arrow' })
    if (type === 'freedraw') {
      Object.assign(e, {
        points: Array.from({ length: 40 }, (_, k) => [k * 3, Math.round(Math.sin(k) * 20)]),
        pressures: Array(40).fill(0.5),
        simulatePressure: false
      })
    }
    size += JSON.stringify(e).length + 1
    elements.push(e)
  }
  return JSON.stringify({ type: 'excalidraw', version: 2, source: 'bench', elements, appState: {}, files: {} })
}

async function exportInBrowser (page, format) {
  await page.getByRole('button', { name: 'Export' }).click()
  const dialog = page.getByRole('dialog', { name: 'Export' })
  await dialog.getByRole('group', { name: 'Format' }).getByRole('button', { name: format, exact: true }).click()
  if (format === 'PNG') await dialog.getByRole('button', { name: 'Scale 1×' }).click()
  const started = performance.now()
  const download = page.waitForEvent('download', { timeout: 300_000 })
  await dialog.getByRole('button', { name: 'Download' }).click()
  const file = await download
  const ms = performance.now() - started
  const path = await file.path()
  const { size } = await import('node:fs').then(fs => fs.statSync(path))
  await dialog.getByRole('button', { name: 'Close' }).click()
  return { ms, bytes: size, ...(await memory(page)) }
}

const server = await startServer(BUILD_DIR)
const browser = await chromium.launch(LAUNCH)
const scratch = mkdtempSync(join(tmpdir(), 'whiteboard-bench-files-'))
try {
  const { id, url, keys } = await createBoard(server.url)
  const shapes = generateShapes(SPEC, 1)
  await seedBoard(server.wsBase, { id, key: keys.edit }, shapes, 500)
  const { context, page } = await loadBoard(browser, server.url + url, shapes.size, VIEWPORT)
  const before = await memory(page)
  console.log(`\nFiles on a board of ${shapes.size} shapes (Chromium ${browser.version()}, ${VIEWPORT.width}×${VIEWPORT.height})`)
  console.log(`  page after load: JS heap ${(before.jsHeapUsed / MB).toFixed(1)} MiB, WebAssembly memory ${(before.wasmMemory / MB).toFixed(1)} MiB`)
  console.log(`  ${'step'.padEnd(36)} ${'ms'.padStart(8)} ${'file'.padStart(10)} ${'JS heap'.padStart(10)} ${'wasm mem'.padStart(10)}`)
  const row = (what, r) => console.log(`  ${what.padEnd(36)} ${r.ms.toFixed(0).padStart(8)} ${((r.bytes ?? 0) / MB).toFixed(1).padStart(7)} MiB ${(r.jsHeapUsed / MB).toFixed(1).padStart(6)} MiB ${(r.wasmMemory / MB).toFixed(1).padStart(6)} MiB`)
  row('browser: export SVG', await exportInBrowser(page, 'SVG'))
  row('browser: export PNG (1×)', await exportInBrowser(page, 'PNG'))
  for (const ext of ['svg', 'png', 'json']) {
    const started = performance.now()
    const res = await fetch(`${server.url}/boards/${id}/export.${ext}?key=${keys.view}`)
    const body = Buffer.from(await res.arrayBuffer())
    console.log(`  ${(`server: GET export.${ext} (${res.status})`).padEnd(36)} ${(performance.now() - started).toFixed(0).padStart(8)} ${(body.length / MB).toFixed(1).padStart(7)} MiB`)
  }
  await context.close()

  // Import on an empty board.
  const fresh = await createBoard(server.url)
  const empty = await loadBoard(browser, server.url + fresh.url, 0, VIEWPORT)
  const file = join(scratch, 'big.excalidraw')
  const text = excalidrawFile(5_000_000)
  writeFileSync(file, text)
  const count = JSON.parse(text).elements.length
  const started = performance.now()
  await empty.page.locator('input[data-import]').setInputFiles(file)
  await empty.page.getByRole('alert').filter({ hasText: /^Imported / }).waitFor({ timeout: 300_000 })
  const ms = performance.now() - started
  const after = await memory(empty.page)
  console.log(`\nImport of a ${(text.length / 1e6).toFixed(1)} MB .excalidraw file (${count} elements) in the browser: ${ms.toFixed(0)} ms to the message; then JS heap ${(after.jsHeapUsed / MB).toFixed(1)} MiB, WebAssembly memory ${(after.wasmMemory / MB).toFixed(1)} MiB`)
  await empty.context.close()
} finally {
  await browser.close()
  await server.stop()
  rmSync(scratch, { recursive: true, force: true })
}
