// What the benchmark does in one browser page: load a board and wait until it is painted,
// read its memory, and record frame intervals while the input drivers pan and zoom.

const LOAD_TIMEOUT_MS = 60_000
/** Quiet animation frames after "connected" that count as painted when the list cannot tell. */
const QUIET_FRAMES = 2
/** A pointer move or wheel event is sent this often (as far as the page keeps up). */
export const INPUT_INTERVAL_MS = 8
/** The client engine's WHEEL_ZOOM_RATE and MAX_WHEEL_ZOOM_DELTA (engine/src/engine/input/mod.rs):
 * Ctrl + wheel zooms by exp(-deltaY * rate), deltaY clamped to ±max per event; and MIN_ZOOM from
 * board/src/viewport.rs. */
const WHEEL_ZOOM_RATE = 0.01
const MAX_WHEEL_ZOOM_DELTA = 10
const MIN_ZOOM = 0.1
/** Pan: the pointer circles the canvas centre at this radius (CSS px) and period. A phase that
 * is not a whole number of periods (run.mjs: 1.5) ends with the view elsewhere than it started,
 * which `canvasDigest` checks. */
const PAN_RADIUS_PX = 200
const PAN_PERIOD_MS = 2000
/** Zoom: log-zoom follows a cosine from MIN_ZOOM up to ZOOM_TOP and back with this period
 * (run.mjs: 1.25 periods, so the phase ends half-way and the view differs from the start). */
const ZOOM_TOP = 1
const ZOOM_PERIOD_MS = 1600
/** Chromium answers a wheel event about two frames after it is sent (a pointer move: one), so
 * two wheel events are kept in flight to get about one per frame. */
const WHEEL_IN_FLIGHT = 2

const now = () => performance.timeOrigin + performance.now()
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

/**
 * Installed as an init script, so it runs from the start of the document, before the page's
 * own scripts: once per animation frame it checks the connection status and the hidden shape
 * list (the `list` role named "Shapes"), and records in `window.__benchLoad` when the status
 * turned "connected" (the server's sync step 2, the whole document, is applied) and when the
 * board counts as painted. The canvas paints in the frame after "connected", which also fills
 * the list; painted = the list has `expected` items, or (if it shows fewer, e.g. only shapes in
 * view or types the client skips) `quietFrames` frames in a row without the list changing.
 * Times are to the frame that noticed, so up to one frame late.
 */
function watchLoad ({ expected, quietFrames, timeoutMs }) {
  const state = window.__benchLoad = { connectedAt: null, readyAt: null, count: 0, via: null }
  const observer = new MutationObserver(() => { mutations++ })
  let list = null
  let mutations = 0
  let seen = 0
  let quiet = 0
  const frame = () => {
    const at = performance.timeOrigin + performance.now()
    if (!list?.isConnected) {
      list = document.querySelector('ul[role=list][aria-label=Shapes]')
      if (list) observer.observe(list, { childList: true, subtree: true, characterData: true, attributes: true })
    }
    if (state.connectedAt === null) {
      if (document.querySelector('[role=status][data-status=connected]')) {
        state.connectedAt = at
        seen = mutations
      }
    } else {
      state.count = list ? list.querySelectorAll(':scope > li').length : 0
      if (state.count >= expected) {
        state.via = 'list'
      } else if (mutations !== seen) {
        seen = mutations
        quiet = 0
      } else if (++quiet >= quietFrames) {
        state.via = 'quiet'
      }
      if (state.via) {
        state.readyAt = at
        observer.disconnect()
        return
      }
    }
    if (performance.now() < timeoutMs) requestAnimationFrame(frame)
  }
  requestAnimationFrame(frame)
}

/**
 * Opens `url` in a new context of `browser` and waits until the board is painted. Times are
 * milliseconds from the moment `page.goto` is called. The caller closes `context`.
 */
export async function loadBoard (browser, url, expected, viewport) {
  const context = await browser.newContext({ viewport })
  await context.addInitScript(watchLoad, { expected, quietFrames: QUIET_FRAMES, timeoutMs: LOAD_TIMEOUT_MS })
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', err => errors.push(err.message))
  const started = now()
  await page.goto(url, { waitUntil: 'commit', timeout: LOAD_TIMEOUT_MS })
  const ready = await page.waitForFunction(() => window.__benchLoad?.readyAt && window.__benchLoad, null,
    { polling: 100, timeout: LOAD_TIMEOUT_MS })
  const result = await ready.jsonValue()
  return {
    context,
    page,
    errors,
    load: {
      connectedMs: result.connectedAt - started,
      readyMs: result.readyAt - started,
      listItems: await page.getByRole('list', { name: 'Shapes' }).getByRole('listitem').count(),
      via: result.via
    }
  }
}

/** JS heap after a forced GC, and the size of the page's WebAssembly memories, in bytes. */
export async function memory (page) {
  const cdp = await page.context().newCDPSession(page)
  try {
    await cdp.send('HeapProfiler.collectGarbage')
    const heap = await cdp.send('Runtime.getHeapUsage')
    const proto = await cdp.send('Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype' })
    const { objects } = await cdp.send('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId })
    const sizes = await cdp.send('Runtime.callFunctionOn', {
      objectId: objects.objectId,
      functionDeclaration: 'function () { return this.reduce((sum, m) => sum + m.buffer.byteLength, 0) }',
      returnByValue: true
    })
    return { jsHeapUsed: heap.usedSize, wasmMemory: sizes.result.value }
  } finally {
    await cdp.detach()
  }
}

/** Starts a requestAnimationFrame loop that records performance.now() deltas, and observers
 * for long animation frames and long tasks where the browser has them. */
function startRecorder () {
  const types = PerformanceObserver.supportedEntryTypes
  const rec = { deltas: [], last: null, running: true, observers: [], long: {} }
  for (const type of ['long-animation-frame', 'longtask']) {
    if (!types.includes(type)) continue
    const entries = rec.long[type] = []
    const observer = new PerformanceObserver(list => entries.push(...list.getEntries().map(e => e.duration)))
    observer.observe({ type })
    rec.observers.push([observer, entries])
  }
  const tick = () => {
    if (!rec.running) return
    const t = performance.now()
    if (rec.last !== null) rec.deltas.push(t - rec.last)
    rec.last = t
    requestAnimationFrame(tick)
  }
  requestAnimationFrame(tick)
  window.__benchFrames = rec
}

function stopRecorder () {
  const rec = window.__benchFrames
  rec.running = false
  for (const [observer, entries] of rec.observers) {
    entries.push(...observer.takeRecords().map(e => e.duration))
    observer.disconnect()
  }
  return { deltas: rec.deltas, long: rec.long }
}

/** A hash of the canvas pixels, to check that a phase really moved the view. */
function canvasDigest () {
  const data = document.querySelector('canvas.board-canvas').toDataURL()
  let hash = 0
  for (let i = 0; i < data.length; i++) hash = (Math.imul(hash, 31) + data.charCodeAt(i)) | 0
  return hash
}

/**
 * Calls `step(elapsedMs)` every INPUT_INTERVAL_MS for `durationMs` (bounded in count too),
 * with at most `inFlight` steps unanswered: the page answers each input event only after
 * handling it, so this also caps the rate at what the page keeps up with.
 */
async function drive (durationMs, step, inFlight) {
  const maxEvents = Math.ceil(durationMs / INPUT_INTERVAL_MS) + 1
  const pending = new Set()
  const start = performance.now()
  let events = 0
  while (events < maxEvents) {
    const elapsed = performance.now() - start
    if (elapsed >= durationMs) break
    const sent = step(elapsed).finally(() => pending.delete(sent))
    sent.catch(() => {}) // a failure surfaces from the race or the final wait below
    pending.add(sent)
    events += 1
    if (pending.size >= inFlight) await Promise.race(pending)
    const wait = start + events * INPUT_INTERVAL_MS - performance.now()
    if (wait > 0) await sleep(wait)
  }
  await Promise.all(pending)
  return { events, ms: performance.now() - start }
}

/** Records frames while `run()` drives input; returns the raw figures of the phase. */
async function phase (page, run) {
  const before = await page.evaluate(canvasDigest)
  await page.evaluate(startRecorder)
  const input = await run()
  const frames = await page.evaluate(stopRecorder)
  const viewChanged = before !== await page.evaluate(canvasDigest)
  return { ...frames, input, viewChanged }
}

async function canvasCentre (page) {
  const box = await page.locator('canvas.board-canvas').boundingBox()
  if (!box) throw new Error('the board canvas has no box')
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 }
}

/** No input at all: the browser's own frame cadence (the editor paints only on change). */
export function idle (page, durationMs) {
  return phase(page, async () => {
    await sleep(durationMs)
    return { events: 0, ms: durationMs }
  })
}

/** Middle-button drag (the editor's pan gesture) in a circle around the canvas centre. */
export async function pan (page, durationMs) {
  const c = await canvasCentre(page)
  const at = elapsed => {
    const angle = 2 * Math.PI * elapsed / PAN_PERIOD_MS
    return [c.x + PAN_RADIUS_PX * Math.cos(angle), c.y + PAN_RADIUS_PX * Math.sin(angle)]
  }
  await page.mouse.move(...at(0))
  await page.mouse.down({ button: 'middle' })
  try {
    return await phase(page, () => drive(durationMs, elapsed => page.mouse.move(...at(elapsed)), 1))
  } finally {
    await page.mouse.up({ button: 'middle' })
  }
}

/**
 * Ctrl + wheel zoom at the canvas centre (a plain wheel scrolls). First zooms out to the minimum
 * (not recorded), then log-zoom follows a cosine between MIN_ZOOM and ZOOM_TOP: each wheel event
 * carries the deltaY that brings the zoom to where the curve is now (within the per-event limit,
 * which the curve never needs), whatever rate the page accepts events at.
 */
export async function zoom (page, durationMs) {
  const c = await canvasCentre(page)
  await page.mouse.move(c.x, c.y)
  await page.keyboard.down('Control')
  try {
    const steps = Math.ceil(2 * Math.log(1 / MIN_ZOOM) / (WHEEL_ZOOM_RATE * MAX_WHEEL_ZOOM_DELTA))
    for (let i = 0; i < steps; i++) await page.mouse.wheel(0, MAX_WHEEL_ZOOM_DELTA)
    await sleep(300)
    const low = Math.log(MIN_ZOOM)
    const amplitude = (Math.log(ZOOM_TOP) - low) / 2
    const logZoom = elapsed => low + amplitude * (1 - Math.cos(2 * Math.PI * elapsed / ZOOM_PERIOD_MS))
    let current = low
    return await phase(page, () => drive(durationMs, elapsed => {
      const wanted = -(logZoom(elapsed) - current) / WHEEL_ZOOM_RATE
      const deltaY = Math.max(-MAX_WHEEL_ZOOM_DELTA, Math.min(MAX_WHEEL_ZOOM_DELTA, wanted))
      current -= deltaY * WHEEL_ZOOM_RATE
      return page.mouse.wheel(0, deltaY)
    }, WHEEL_IN_FLIGHT))
  } finally {
    await page.keyboard.up('Control')
  }
}

/** Frames while `step(elapsed)` runs every input interval (a collaborator's edits arriving). */
export function remote (page, durationMs, step) {
  return phase(page, () => drive(durationMs, step, 1))
}
