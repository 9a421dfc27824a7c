// The official Yjs clients (yjs + y-websocket's WebsocketProvider) sync through /ws/{id}:
// documents, awareness, a late joiner, and a server restart.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'
import { TestServer } from '../support/server.mjs'

let server
const providers = []

before(async () => { server = await TestServer.start() })
after(async () => {
  // Destroying the doc also stops its awareness timer, which would keep Node running.
  for (const p of providers) { p.destroy(); p.doc.destroy() }
  await server?.dispose()
})

function client (room) {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(server.wsBase, room, doc, {
    WebSocketPolyfill: WebSocket,
    disableBc: true,
    maxBackoffTime: 300
  })
  providers.push(provider)
  return { doc, provider, shapes: doc.getMap('shapes') }
}

function until (what, predicate, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const tick = () => {
      if (predicate()) return resolve()
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`))
      setTimeout(tick, 20)
    }
    tick()
  })
}

function rect (x) {
  const m = new Y.Map()
  for (const [k, v] of Object.entries({ type: 'rect', x, y: 10, w: 80, h: 50, stroke: '#1e1e1e', strokeWidth: 2, index: 'a0' })) m.set(k, v)
  return m
}

test('two WebsocketProviders converge through the server', async () => {
  const a = client('interop-converge')
  const b = client('interop-converge')
  await until('both synced', () => a.provider.synced && b.provider.synced)
  a.shapes.set('from-a', rect(0))
  b.shapes.set('from-b', rect(100))
  await until('both shapes on both sides', () => a.shapes.size === 2 && b.shapes.size === 2)
  assert.deepEqual(Y.encodeStateVector(a.doc), Y.encodeStateVector(b.doc))
  assert.equal(b.shapes.get('from-a').get('type'), 'rect')

  const late = client('interop-converge')
  await until('late joiner synced', () => late.provider.synced && late.shapes.size === 2)
})

test('awareness states are relayed and removed when a client leaves', async () => {
  const a = client('interop-awareness')
  const b = client('interop-awareness')
  await until('both synced', () => a.provider.synced && b.provider.synced)
  a.provider.awareness.setLocalStateField('user', { name: 'Ada', color: '#e03131' })
  const aId = a.doc.clientID
  await until('b sees Ada', () => b.provider.awareness.getStates().get(aId)?.user?.name === 'Ada')
  a.provider.disconnect()
  await until('b drops Ada', () => !b.provider.awareness.getStates().has(aId))
})

test('edits made while the server was down reach the others after it restarts', async () => {
  const a = client('interop-restart')
  const b = client('interop-restart')
  await until('both synced', () => a.provider.synced && b.provider.synced)
  a.shapes.set('before', rect(0))
  await until('b has the first shape', () => b.shapes.has('before'))

  await server.kill()
  a.shapes.set('while-down', rect(50))
  await server.spawn()
  await until('b has the edit made while the server was down', () => b.shapes.has('while-down'), 15_000)

  const fresh = client('interop-restart')
  await until('a fresh client gets both', () => fresh.provider.synced && fresh.shapes.size === 2)
})
