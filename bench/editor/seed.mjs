// Creates boards over HTTP and fills them from Node with the official Yjs clients, following
// the layout in board/src/layout.rs. Shapes are random but seeded: every run draws the same
// boards.
import { Y, WebsocketProvider, WebSocket } from './deps.mjs'

/**
 * Shape types drawn on the mixed board and their relative weights. Add new types here as the
 * client learns them; types the client does not know are skipped by it (the load wait then
 * falls back from counting the shape list to waiting for the page to go quiet).
 */
export const SHAPE_MIX = [
  { type: 'rect', weight: 3 },
  { type: 'ellipse', weight: 2 },
  { type: 'diamond', weight: 1 },
  { type: 'pen', weight: 2 },
  { type: 'line', weight: 1 },
  { type: 'arrow', weight: 1 },
  { type: 'text', weight: 1 },
  { type: 'sticky', weight: 1 }
]

/** Fields a type needs beyond the common ones (type, x, y, w, h, stroke, fill, strokeWidth, index). */
const EXTRA_FIELDS = {
  pen: (rng, spec) => penStroke(rng, randomInt(rng, spec.penPoints[0], spec.penPoints[1])),
  line: (rng, spec) => segment(rng, spec),
  arrow: (rng, spec) => segment(rng, spec),
  text: (rng) => ({ text: pick(rng, WORDS), fontSize: 20, w: 120, h: 25 }),
  sticky: (rng) => ({ text: `${pick(rng, WORDS)} ${pick(rng, WORDS)}`, fontSize: 20, w: 200, h: 200, fill: '#ffec99' })
}

const WORDS = ['Plan', 'Ship it', 'Ideas', 'Research', 'Launch', 'Review', 'Backlog', 'Retro']

/** A straight line or arrow: two points across a random box. */
function segment (rng, spec) {
  const w = randomInt(rng, spec.size[0], spec.size[1])
  const h = randomInt(rng, spec.size[0], spec.size[1])
  const bytes = new Uint8Array(24)
  const view = new DataView(bytes.buffer)
  const flip = rng() < 0.5
  ;[0, flip ? h : 0, 0.5, w, flip ? 0 : h, 0.5].forEach((v, i) => view.setFloat32(i * 4, v, true))
  return { points: bytes, w, h }
}

const COLOURS = ['#1e1e1e', '#e03131', '#2f9e44', '#1971c2', '#f08c00', '#9c36b5']
const FILLS = ['#ffc9c9', '#b2f2bb', '#a5d8ff', '#ffec99', '#eebefa']
const SYNC_TIMEOUT_MS = 60_000
const POLL_MS = 20

/** A small deterministic PRNG (mulberry32): values in [0, 1). */
function prng (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function randomInt (rng, min, max) {
  return min + Math.floor(rng() * (max - min + 1))
}

function pick (rng, items) {
  return items[Math.floor(rng() * items.length)]
}

function pickType (rng, mix) {
  const total = mix.reduce((sum, m) => sum + m.weight, 0)
  let r = rng() * total
  for (const m of mix) {
    r -= m.weight
    if (r < 0) return m.type
  }
  return mix[mix.length - 1].type
}

/** A wandering stroke of `count` points, packed as little-endian f32 (x, y, pressure) triples
 * relative to its bounding box's top-left corner, with that box's size. */
function penStroke (rng, count) {
  const raw = []
  let x = 0
  let y = 0
  let heading = rng() * 2 * Math.PI
  for (let i = 0; i < count; i++) {
    raw.push([x, y, 0.3 + 0.7 * rng()])
    heading += (rng() - 0.5) * 0.8
    const step = 2 + rng() * 6
    x += Math.cos(heading) * step
    y += Math.sin(heading) * step
  }
  const minX = Math.min(...raw.map(p => p[0]))
  const minY = Math.min(...raw.map(p => p[1]))
  const points = new Float32Array(count * 3)
  raw.forEach(([px, py, pressure], i) => points.set([px - minX, py - minY, pressure], i * 3))
  const bytes = new Uint8Array(count * 12)
  const view = new DataView(bytes.buffer)
  points.forEach((v, i) => view.setFloat32(i * 4, v, true))
  return {
    points: bytes,
    w: Math.max(...raw.map(p => p[0])) - minX,
    h: Math.max(...raw.map(p => p[1])) - minY
  }
}

/** Fractional-index keys that sort as strings in creation order. */
function indexKey (n) {
  return 'a' + n.toString(36).padStart(6, '0')
}

/**
 * The shapes of one board as plain field objects keyed by id. `spec`: count, mix, area (board
 * units, centred on the origin, which the editor shows first), size [min, max], penPoints
 * [min, max], and optionally style (fields set on every shape, e.g. { sloppiness: 'artist' }),
 * frames (a side: the area is cut into side × side named frames, behind the shapes, and each
 * shape belongs to the one holding its corner) and lineLabels (every line and arrow labelled).
 */
export function generateShapes (spec, seed) {
  const rng = prng(seed)
  const shapes = new Map()
  const side = spec.frames ?? 0
  const cell = side > 0 ? spec.area / side : 0
  for (let i = 0; i < side * side; i++) {
    const [col, row] = [i % side, Math.floor(i / side)]
    shapes.set(`bench-frame-${i}`, {
      type: 'frame',
      x: Math.round(-spec.area / 2 + col * cell),
      y: Math.round(-spec.area / 2 + row * cell),
      w: Math.round(cell),
      h: Math.round(cell),
      stroke: '#1e1e1e',
      strokeWidth: 1,
      text: `Frame ${i + 1}`,
      index: indexKey(i)
    })
  }
  const frameAt = (x, y) => {
    const col = Math.min(side - 1, Math.max(0, Math.floor((x + spec.area / 2) / cell)))
    const row = Math.min(side - 1, Math.max(0, Math.floor((y + spec.area / 2) / cell)))
    return `bench-frame-${row * side + col}`
  }
  for (let n = 0; n < spec.count; n++) {
    const type = pickType(rng, spec.mix)
    const fields = {
      type,
      x: Math.round((rng() - 0.5) * spec.area),
      y: Math.round((rng() - 0.5) * spec.area),
      w: randomInt(rng, spec.size[0], spec.size[1]),
      h: randomInt(rng, spec.size[0], spec.size[1]),
      stroke: pick(rng, COLOURS),
      strokeWidth: pick(rng, [1, 2, 2, 4]),
      index: indexKey(n + side * side)
    }
    if (['rect', 'ellipse', 'diamond'].includes(type) && rng() < 0.5) fields.fill = pick(rng, FILLS)
    Object.assign(fields, EXTRA_FIELDS[type]?.(rng, spec))
    // Fields every shape gets (the same random shapes in another style).
    Object.assign(fields, spec.style)
    if (side > 0) fields.frame = frameAt(fields.x, fields.y)
    if (spec.lineLabels && (type === 'line' || type === 'arrow')) fields.text = pick(rng, WORDS)
    shapes.set(`bench-${n.toString(36)}`, fields)
  }
  return shapes
}

/** `POST /boards` asking for JSON; returns { id, url (the edit link), viewUrl, keys }. */
export async function createBoard (baseUrl) {
  const res = await fetch(`${baseUrl}/boards`, { method: 'POST', headers: { Accept: 'application/json' } })
  if (res.status !== 201) throw new Error(`POST /boards answered ${res.status}`)
  return res.json()
}

export function until (what, predicate) {
  const deadline = Date.now() + SYNC_TIMEOUT_MS
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (predicate()) return resolve()
      if (Date.now() > deadline) return reject(new Error(`timed out after ${SYNC_TIMEOUT_MS} ms waiting for ${what}`))
      setTimeout(tick, POLL_MS)
    }
    tick()
  })
}

/** `room`: a board id, or `{ id, key }` for a board reached with its link's key. */
export function connect (wsBase, room) {
  const { id, key } = typeof room === 'string' ? { id: room } : room
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(wsBase, id, doc, {
    params: key ? { key } : {},
    WebSocketPolyfill: WebSocket,
    disableBc: true,
    maxBackoffTime: 300
  })
  const close = () => { provider.destroy(); doc.destroy() }
  return { doc, provider, shapes: doc.getMap('shapes'), close }
}

/**
 * Writes `shapes` into board `room`, `batch` shapes per transaction, and returns once a second
 * client, connected after the writes, sees them all (so the server has them). Both clients are
 * disconnected on return.
 */
export async function seedBoard (wsBase, room, shapes, batch) {
  const writer = connect(wsBase, room)
  let reader = null
  try {
    await until(`the writer to sync with ${room.id ?? room}`, () => writer.provider.synced)
    const entries = [...shapes]
    for (let start = 0; start < entries.length; start += batch) {
      writer.doc.transact(() => {
        for (const [id, fields] of entries.slice(start, start + batch)) {
          const map = new Y.Map()
          for (const [key, value] of Object.entries(fields)) map.set(key, value)
          writer.shapes.set(id, map)
        }
      })
    }
    reader = connect(wsBase, room)
    await until(`a second client to see all ${shapes.size} shapes on ${room.id ?? room}`,
      () => reader.provider.synced && reader.shapes.size === shapes.size)
  } finally {
    writer.close()
    reader?.close()
  }
}

/**
 * Another person drags one shape of board `room` for `durationMs`: `run(step)` is called with a
 * step that moves it to where it is at `elapsed` ms (a circle of 200 units), one Yjs
 * transaction per step, sent at once to the server and from there to the page under test.
 */
export async function collaborator (wsBase, room, shapeId, run) {
  const peer = connect(wsBase, room)
  try {
    await until(`the collaborator to sync with ${room.id ?? room}`, () => peer.provider.synced && peer.shapes.has(shapeId))
    const shape = peer.shapes.get(shapeId)
    const [x0, y0] = [shape.get('x'), shape.get('y')]
    return await run(async elapsed => {
      const a = 2 * Math.PI * elapsed / 2000
      peer.doc.transact(() => {
        shape.set('x', x0 + 200 * Math.cos(a))
        shape.set('y', y0 + 200 * Math.sin(a))
      })
    })
  } finally {
    peer.close()
  }
}
