// The HTTP fallback (`/poll/{board}`): a poll client (support/poll-client.mjs) and the official
// WebsocketProvider share a board; a poll client's edits survive a server restart; a view link's
// change and a malformed batch close the session with the socket's close codes (410 + code).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'
import { TestServer } from '../support/server.mjs'
import { PollProvider, encodeBatch, decodeRecords } from '../support/poll-client.mjs'

let server
const providers = []

before(async () => { server = await TestServer.start() })
after(async () => {
  // Destroying the doc also stops its awareness timer, which would keep Node running.
  for (const p of providers) { p.destroy(); p.doc.destroy() }
  await server?.dispose()
})

/** A board made like the home page's New board: `{ id, keys: { edit, view, manage } }`. */
async function createBoard () {
  const res = await fetch(`${server.url}/boards`, { method: 'POST', headers: { accept: 'application/json' } })
  assert.equal(res.status, 201, await res.clone().text())
  return res.json()
}

function wsClient (board, key) {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(server.wsBase, board, doc, {
    WebSocketPolyfill: WebSocket,
    disableBc: true,
    maxBackoffTime: 300,
    params: { key }
  })
  providers.push(provider)
  return { doc, provider, shapes: doc.getMap('shapes') }
}

function pollClient (board, key) {
  const doc = new Y.Doc()
  const provider = new PollProvider(server.url, board, key, doc)
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

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

function rect (x) {
  const m = new Y.Map()
  for (const [k, v] of Object.entries({ type: 'rect', x, y: 10, w: 80, h: 50, stroke: '#1e1e1e', strokeWidth: 2, index: 'a0' })) m.set(k, v)
  return m
}

/** Opens a raw session: `{ session, role, url }`. */
async function openSession (board, key) {
  const res = await fetch(`${server.url}/poll/${board}?key=${encodeURIComponent(key)}`, { method: 'POST' })
  const text = await res.text()
  assert.equal(res.status, 201, text)
  const { session, role } = JSON.parse(text)
  assert.match(session, /^[0-9a-f]{32}$/)
  return { session, role, url: `${server.url}/poll/${board}/${session}` }
}

/** Long-polls a raw session until it answers 410, acknowledging what it gets; the close. */
async function pollUntilClosed (url, timeoutMs = 10_000) {
  let after = 0
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const res = await fetch(`${url}?after=${after}`, { signal: AbortSignal.timeout(25_000) })
    if (res.status === 410) return res.json()
    const body = new Uint8Array(await res.arrayBuffer())
    assert.equal(res.status, 200, `poll answered ${res.status}: ${new TextDecoder().decode(body)}`)
    for (const { seq } of decodeRecords(body)) after = seq
  }
  throw new Error(`session not closed within ${timeoutMs} ms`)
}

function updateFrame (doc) {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0)
  syncProtocol.writeUpdate(encoder, Y.encodeStateAsUpdate(doc))
  return encoding.toUint8Array(encoder)
}

function postBatch (url, batch, body) {
  return fetch(`${url}?batch=${batch}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body })
}

test('a poll client and a WebsocketProvider converge both ways, presence included', async () => {
  const { id, keys } = await createBoard()
  const ws = wsClient(id, keys.edit)
  const poll = pollClient(id, keys.edit)
  await until('both synced', () => ws.provider.synced && poll.provider.synced)
  assert.equal(poll.provider.role, 'edit')

  poll.shapes.set('from-poll', rect(0))
  ws.shapes.set('from-ws', rect(100))
  await until('both shapes on both sides', () => ws.shapes.size === 2 && poll.shapes.size === 2)
  assert.deepEqual(Y.encodeStateVector(poll.doc), Y.encodeStateVector(ws.doc))
  assert.equal(ws.shapes.get('from-poll').get('type'), 'rect')
  assert.equal(poll.shapes.get('from-ws').get('x'), 100)

  poll.provider.awareness.setLocalStateField('user', { name: 'Poll' })
  ws.provider.awareness.setLocalStateField('user', { name: 'Socket' })
  await until('each sees the other\'s presence', () =>
    ws.provider.awareness.getStates().get(poll.doc.clientID)?.user?.name === 'Poll' &&
    poll.provider.awareness.getStates().get(ws.doc.clientID)?.user?.name === 'Socket')

  const { duplicates, gaps, sessionsOpened } = poll.provider.stats
  assert.deepEqual({ duplicates, gaps, sessionsOpened }, { duplicates: 0, gaps: 0, sessionsOpened: 1 })
})

test('1,000 updates from a poll client survive a server restart in the middle', async t => {
  const { id, keys } = await createBoard()
  const poll = pollClient(id, keys.edit)
  await until('poll client synced', () => poll.provider.synced)

  const total = 1000
  let restarting = null
  let down = false
  let madeWhileRestarting = 0
  const started = Date.now()
  for (let i = 0; i < total; i++) {
    poll.doc.transact(() => poll.shapes.set(`s${i}`, rect(i)))
    if (down) madeWhileRestarting++
    if (i === total / 2) {
      down = true
      restarting = server.restart().finally(() => { down = false })
    }
    if (i % 5 === 4) await sleep(10) // ~200 pauses: a couple of seconds in all
  }
  const drawMs = Date.now() - started
  await restarting
  assert.ok(madeWhileRestarting > 0, 'some updates were made while the server restarted')
  await until('the poll client is synced on a new session', () =>
    poll.provider.synced && poll.provider.stats.sessionsOpened >= 2, 20_000)

  const fresh = wsClient(id, keys.edit)
  await until(`a fresh WebsocketProvider has all ${total} shapes`, () =>
    fresh.provider.synced && fresh.shapes.size === total, 20_000)
  for (let i = 0; i < total; i++) assert.equal(fresh.shapes.get(`s${i}`)?.get('x'), i, `shape s${i}`)
  assert.equal(poll.provider.stats.duplicates, 0, 'no frame delivered twice')
  assert.equal(poll.provider.stats.gaps, 0, 'no frame skipped')
  const { sessionsOpened, framesReceived, batchesSent, batchRetries, networkErrors } = poll.provider.stats
  t.diagnostic(`${total} updates in ${drawMs} ms, ${madeWhileRestarting} while the server restarted; ` +
    `poll client: ${sessionsOpened} sessions, ${framesReceived} frames received, ${batchesSent} batches ` +
    `(${batchRetries} retried), ${networkErrors} network errors`)
})

test('a view link\'s update over the fallback gets 410 with 4003 and changes nothing', async () => {
  const { id, keys } = await createBoard()
  const editor = wsClient(id, keys.edit)
  await until('editor synced', () => editor.provider.synced)
  editor.shapes.set('keep', rect(0))

  // A view client receives the board.
  const viewer = pollClient(id, keys.view)
  await until('viewer has the board', () => viewer.provider.synced && viewer.shapes.has('keep'))
  assert.equal(viewer.provider.role, 'view')

  // Raw: the batch with a change is answered 410 {code: 4003}, and so is the session's poll.
  const raw = await openSession(id, keys.view)
  assert.equal(raw.role, 'view')
  const intruder = new Y.Doc()
  intruder.getMap('shapes').set('intruder', rect(1))
  const res = await postBatch(raw.url, 1, encodeBatch([updateFrame(intruder)]))
  const text = await res.text()
  assert.equal(res.status, 410, text)
  assert.equal(JSON.parse(text).code, 4003, text)
  assert.equal((await pollUntilClosed(raw.url)).code, 4003)

  // The poll client's own change ends its session with 4003, and it does not reopen.
  viewer.shapes.set('intruder-2', rect(2))
  await until('the viewer is closed with 4003', () => viewer.provider.lastClose?.code === 4003)
  await until('the viewer stopped', () => !viewer.provider.running)
  assert.equal(viewer.provider.stats.sessionsOpened, 1)

  // Nothing reached the board: a fresh client sees what the editor sees, and the editor's
  // next change still arrives.
  editor.shapes.set('after', rect(3))
  const fresh = wsClient(id, keys.edit)
  await until('a fresh client has the editor\'s two shapes', () => fresh.provider.synced && fresh.shapes.has('after'))
  assert.deepEqual([...fresh.shapes.keys()].sort(), ['after', 'keep'])
  assert.deepEqual([...editor.shapes.keys()].sort(), ['after', 'keep'])
  assert.deepEqual([...Y.decodeStateVector(Y.encodeStateVector(fresh.doc)).keys()], [editor.doc.clientID],
    'the board holds the editor\'s changes only')
  intruder.destroy()
})

test('a malformed batch gets 410 with 1007 and the board stays usable', async () => {
  const { id, keys } = await createBoard()
  const editor = wsClient(id, keys.edit)
  await until('editor synced', () => editor.provider.synced)
  editor.shapes.set('keep', rect(0))

  // A sync update message whose update claims 5 bytes and holds 1.
  const raw = await openSession(id, keys.edit)
  const res = await postBatch(raw.url, 1, encodeBatch([Uint8Array.of(0, 2, 5, 1)]))
  const text = await res.text()
  assert.equal(res.status, 410, text)
  assert.equal(JSON.parse(text).code, 1007, text)
  assert.equal((await pollUntilClosed(raw.url)).code, 1007)
  // A closed session stays closed: a later batch is not applied.
  const again = await postBatch(raw.url, 2, encodeBatch([updateFrame(new Y.Doc())]))
  assert.ok([404, 410].includes(again.status), `a batch to a closed session answered ${again.status}`)
  await again.body?.cancel()

  // A record whose length passes the body's end.
  const raw2 = await openSession(id, keys.edit)
  const truncated = new Uint8Array([0, 0, 0, 100, 0, 2, 0])
  const res2 = await postBatch(raw2.url, 1, truncated)
  const text2 = await res2.text()
  assert.equal(res2.status, 410, text2)
  assert.equal(JSON.parse(text2).code, 1007, text2)

  // The board is untouched and still works for everyone else.
  const fresh = pollClient(id, keys.edit)
  await until('a fresh poll client has the board', () => fresh.provider.synced && fresh.shapes.has('keep'))
  fresh.shapes.set('later', rect(5))
  await until('the editor gets the poll client\'s shape', () => editor.shapes.has('later'))
  assert.deepEqual([...editor.shapes.keys()].sort(), ['keep', 'later'])
})
