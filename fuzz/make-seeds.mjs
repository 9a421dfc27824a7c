// Writes seed inputs for the room_messages fuzz target from real Yjs traffic: sync step 1,
// step 2 and updates carrying board shapes, awareness and query-awareness frames.
// Run from this folder after `npm ci` in ../end2end:  node make-seeds.mjs
import { createRequire } from 'node:module'
import { mkdirSync, writeFileSync } from 'node:fs'
const require = createRequire(new URL('../end2end/package.json', import.meta.url))
const Y = require('yjs')
const encoding = require('lib0/encoding')
const syncProtocol = require('y-protocols/sync')
const awarenessProtocol = require('y-protocols/awareness')

const frame = (fn) => { const e = encoding.createEncoder(); fn(e); return encoding.toUint8Array(e) }
const pack = (frames) => Buffer.concat(frames.map(([conn, f]) => {
  const h = Buffer.alloc(3); h[0] = conn; h.writeUInt16LE(f.length, 1); return Buffer.concat([h, Buffer.from(f)])
}))

const doc = new Y.Doc()
const updates = []
doc.on('update', u => updates.push(u))
const shapes = doc.getMap('shapes')
const rect = new Y.Map(); shapes.set('r1', rect)
for (const [k, v] of Object.entries({ type: 'rect', x: 1, y: 2, w: 3, h: 4, stroke: '#000', strokeWidth: 2, index: 'a0' })) rect.set(k, v)
const pen = new Y.Map(); shapes.set('p1', pen)
pen.set('type', 'pen'); pen.set('points', new Uint8Array(36)); pen.set('index', 'a1')
shapes.delete('r1')

const step1 = frame(e => { encoding.writeVarUint(e, 0); syncProtocol.writeSyncStep1(e, doc) })
const step2 = frame(e => { encoding.writeVarUint(e, 0); syncProtocol.writeSyncStep2(e, doc) })
const upd = updates.map(u => frame(e => { encoding.writeVarUint(e, 0); syncProtocol.writeUpdate(e, u) }))
const aw = new awarenessProtocol.Awareness(doc)
aw.setLocalState({ user: { name: 'Ada', color: '#e03131' }, cursor: { x: 1, y: 2 } })
const awareness = frame(e => { encoding.writeVarUint(e, 1); encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(aw, [doc.clientID])) })
const query = frame(e => encoding.writeVarUint(e, 3))

const dir = 'corpus/room_messages'
mkdirSync(dir, { recursive: true })
const seeds = {
  step1: [[0, step1]],
  step2: [[0, step2], [1, step1]],
  updates: upd.map((u, i) => [i % 3, u]),
  reversed: upd.slice().reverse().map((u, i) => [i % 3, u]),
  awareness: [[0, awareness], [1, query], [2, awareness]],
  mixed: [[0, step1], [1, upd[0]], [2, awareness], [0, upd[1]], [1, query], [2, step2]]
}
for (const [name, frames] of Object.entries(seeds)) writeFileSync(`${dir}/seed-${name}`, pack(frames))
console.log(`wrote ${Object.keys(seeds).length} seeds to ${dir}`)
