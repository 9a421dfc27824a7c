// A Node client for the HTTP fallback (`/poll/{board}`, README "The wire and the document"),
// shaped like y-websocket's WebsocketProvider: it keeps a Y.Doc and its awareness in sync with a
// board over plain HTTP requests.
//
// One session at a time:
// - `POST /poll/{board}?key=` opens it (201 {"session", "role"}); the client then sends its own
//   sync step 1 and its presence, and answers the server's step 1 (the first frame the session
//   receives) with step 2.
// - The long-poll loop asks `GET /poll/{board}/{session}?after=N`, N being the last frame it
//   handled: records `[seq u32 BE][len u32 BE][frame]`. A frame numbered at or below N is a
//   duplicate (counted, never handled twice); one above N + 1 is a gap (counted; the session is
//   dropped and a new one's sync repairs what was skipped).
// - Local changes go out as `POST /poll/{board}/{session}?batch=M`, records `[len u32 BE][frame]`,
//   one request in flight at a time. A network error or a 5xx/429/503 retries the same batch
//   number with the same body, so an answer lost on the way changes nothing and no frame is
//   lost. Document updates made before the server's step 1 was answered are not queued: that
//   answer (computed from the whole document) carries them.
// - A network error on the long poll retries it on the same session (the server keeps frames
//   until they are acknowledged). 404 (session unknown: expired, or the server restarted) and 410
//   {"code", "reason"} (the session was closed) end the session; a new one is opened after a
//   backoff (50 ms doubling to 1 s), unless the close code says reconnecting is pointless
//   (4001 links reset, 4003 a change on a view link, 4400–4499), or opening is refused with
//   400, 403 or 404: then the client stops and emits `closed`.
//
// Every request has a timeout and every wait is a timer that `destroy()` clears, so Node exits.
import * as Y from 'yjs' // eslint-disable-line no-unused-vars
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { ObservableV2 } from 'lib0/observable'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'

export const messageSync = 0
export const messageAwareness = 1
export const messageAuth = 2
export const messageQueryAwareness = 3

/** Close codes after which a new session cannot help (the key or the change is refused). */
export function defaultShouldReopen ({ code }) {
  return !(code === 4001 || code === 4003 || (code >= 4400 && code < 4500))
}

/** `[len u32 BE][frame]` records, the body of a batch. */
export function encodeBatch (frames) {
  let size = 0
  for (const f of frames) size += 4 + f.length
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  let at = 0
  for (const f of frames) {
    view.setUint32(at, f.length)
    out.set(f, at + 4)
    at += 4 + f.length
  }
  return out
}

/** Splits a long-poll body into `{ seq, frame }`; throws on a truncated record. */
export function decodeRecords (body) {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
  const records = []
  let at = 0
  while (at < body.length) {
    if (at + 8 > body.length) throw new Error(`truncated record header at ${at} of ${body.length}`)
    const seq = view.getUint32(at)
    const len = view.getUint32(at + 4)
    if (at + 8 + len > body.length) throw new Error(`record ${seq} of ${len} bytes passes the body's end`)
    records.push({ seq, frame: body.subarray(at + 8, at + 8 + len) })
    at += 8 + len
  }
  return records
}

/**
 * @extends {ObservableV2<{
 *   status: (e: { status: 'connecting' | 'connected' | 'disconnected' }) => void,
 *   sync: (synced: boolean) => void,
 *   session: (e: { session: string, role: string }) => void,
 *   'session-end': (e: { session: string, reason: string, close?: { code: number, reason: string } }) => void,
 *   closed: (e: { code?: number, reason: string, status?: number }) => void
 * }>}
 */
export class PollProvider extends ObservableV2 {
  /**
   * @param {string} baseUrl e.g. `http://127.0.0.1:3000`
   * @param {string} board
   * @param {string | null | undefined} key the board's edit or view key (none for an open board)
   * @param {Y.Doc} doc
   */
  constructor (baseUrl, board, key, doc, {
    awareness = null,
    minBackoffMs = 50,
    maxBackoffMs = 1000,
    pollTimeoutMs = 30_000, // the server answers an idle poll after 20 s
    postTimeoutMs = 15_000,
    openTimeoutMs = 15_000,
    maxBatchFrames = 500, // below WB_RATE_BURST (1500), which closes a session with 1008
    maxBatchBytes = 1 << 20, // well below WB_MAX_FRAME_BYTES + 64 KiB (413)
    shouldReopen = defaultShouldReopen,
    connect = true
  } = {}) {
    super()
    this.baseUrl = baseUrl.replace(/\/+$/, '')
    this.board = board
    this.key = key ?? null
    this.doc = doc
    this.ownAwareness = awareness == null
    this.awareness = awareness ?? new awarenessProtocol.Awareness(doc)
    this.opts = { minBackoffMs, maxBackoffMs, pollTimeoutMs, postTimeoutMs, openTimeoutMs, maxBatchFrames, maxBatchBytes }
    this.shouldReopen = shouldReopen
    /** The current session, or null between sessions. */
    this.session = null
    this.role = null
    this._synced = false
    this.status = 'disconnected'
    this.destroyed = false
    /** The last close the server reported (410 or a refused open), null if none. */
    this.lastClose = null
    this.stats = {
      sessionsOpened: 0,
      framesReceived: 0,
      duplicates: 0,
      gaps: 0,
      badBodies: 0,
      polls: 0,
      batchesSent: 0,
      framesSent: 0,
      batchRetries: 0,
      networkErrors: 0,
      /** Every end of a session: `{ session, reason, close? }`. */
      sessionEnds: []
    }
    this._sleeps = new Set()
    this._running = null

    this._updateHandler = (update, origin) => {
      if (origin === this) return
      const s = this.session
      // Before the server's step 1 is answered, the answer will carry this update.
      if (s == null || s.ended || !s.answeredStep1) return
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, messageSync)
      syncProtocol.writeUpdate(encoder, update)
      this._enqueue(s, encoding.toUint8Array(encoder))
    }
    this._awarenessHandler = ({ added, updated, removed }, origin) => {
      if (origin === this) return
      const own = added.concat(updated, removed).filter(id => id === this.doc.clientID)
      const s = this.session
      if (own.length === 0 || s == null || s.ended) return
      this._enqueue(s, this._awarenessFrame(own))
    }
    doc.on('update', this._updateHandler)
    this.awareness.on('update', this._awarenessHandler)
    if (connect) this.connect()
  }

  get synced () { return this._synced }

  /** Whether the session loop runs: false after `destroy()` or a close that reopening cannot fix. */
  get running () { return this._running !== null }

  set synced (state) {
    if (this._synced === state) return
    this._synced = state
    this.emit('sync', [state])
  }

  /** Starts the session loop (again, after a terminal close); does nothing while it runs. */
  connect () {
    if (this.destroyed || this._running) return
    this._running = this._run().finally(() => { this._running = null })
  }

  /** Stops every loop, request and timer; the provider cannot be used afterwards. */
  destroy () {
    if (this.destroyed) return
    this.destroyed = true
    if (this.session) this._finish(this.session, { reason: 'destroyed' })
    for (const wake of this._sleeps) wake()
    this._sleeps.clear()
    this.doc.off('update', this._updateHandler)
    this.awareness.off('update', this._awarenessHandler)
    if (this.ownAwareness) this.awareness.destroy()
    super.destroy()
  }

  // ------------------------------------------------------------------ sessions

  async _run () {
    let failures = 0
    while (!this.destroyed) {
      const s = await this._open()
      if (s == null) return
      const end = await s.done
      const synced = s.gotStep2
      if (this.destroyed) return
      if (end.close && !this.shouldReopen(end.close)) {
        this.emit('closed', [end.close])
        return
      }
      failures = synced ? 0 : failures + 1
      await this._sleep(this._backoff(failures))
    }
  }

  /** Opens a session, retrying while the server is unreachable or busy; null when stopped. */
  async _open () {
    let failures = 0
    this._setStatus('connecting')
    while (!this.destroyed) {
      const q = this.key == null ? '' : `?key=${encodeURIComponent(this.key)}`
      let res = null
      let body = null
      try {
        res = await this._fetch(`${this._boardUrl()}${q}`, { method: 'POST' }, this.opts.openTimeoutMs, null)
        body = await res.text()
      } catch {
        if (this.destroyed) return null
        this.stats.networkErrors++
      }
      if (res != null && res.status === 201) {
        let opened = null
        try { opened = JSON.parse(body) } catch {}
        if (typeof opened?.session === 'string') return this._start(opened.session, opened.role)
      }
      if (res != null && [400, 403, 404].includes(res.status)) {
        // A bad board id, a foreign origin, a key that opens nothing: retrying cannot help.
        this.lastClose = { status: res.status, reason: body }
        this._setStatus('disconnected')
        this.emit('closed', [this.lastClose])
        return null
      }
      failures++
      await this._sleep(this._backoff(failures))
    }
    return null
  }

  _start (id, role) {
    let resolveDone
    const s = {
      id,
      role,
      url: `${this._boardUrl()}/${encodeURIComponent(id)}`,
      ctrl: new AbortController(),
      /** Last frame handled: the next poll's `after`. */
      after: 0,
      /** Last batch number used. */
      batch: 0,
      queue: [],
      pumping: false,
      answeredStep1: false,
      gotStep2: false,
      ended: false,
      end: null,
      done: new Promise(resolve => { resolveDone = resolve })
    }
    s.resolveDone = resolveDone
    this.session = s
    this.role = role
    this.stats.sessionsOpened++
    this.emit('session', [{ session: id, role }])
    this._setStatus('connected')
    // Our sync step 1 and presence go first, like y-websocket on open.
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, messageSync)
    syncProtocol.writeSyncStep1(encoder, this.doc)
    this._enqueue(s, encoding.toUint8Array(encoder))
    if (this.awareness.getLocalState() !== null) this._enqueue(s, this._awarenessFrame([this.doc.clientID]))
    this._poll(s)
    return s
  }

  /** Ends a session once: stops its requests and, if it is current, resets the provider's state. */
  _finish (s, end) {
    if (s.ended) return
    s.ended = true
    s.end = end
    s.ctrl.abort()
    this.stats.sessionEnds.push({ session: s.id, ...end })
    if (end.close) this.lastClose = end.close
    if (this.session === s) {
      this.session = null
      this.synced = false
      const others = Array.from(this.awareness.getStates().keys()).filter(id => id !== this.doc.clientID)
      awarenessProtocol.removeAwarenessStates(this.awareness, others, this)
      this._setStatus('disconnected')
    }
    this.emit('session-end', [{ session: s.id, ...end }])
    s.resolveDone(end)
  }

  // ------------------------------------------------------------------ receiving

  async _poll (s) {
    let failures = 0
    while (!s.ended && !this.destroyed) {
      let res = null
      let body = null
      try {
        this.stats.polls++
        res = await this._fetch(`${s.url}?after=${s.after}`, { method: 'GET' }, this.opts.pollTimeoutMs, s)
        body = new Uint8Array(await res.arrayBuffer())
      } catch {
        if (s.ended || this.destroyed) return
        // The server keeps unacknowledged frames: the same poll again loses nothing. After a
        // restart it answers 404 and a new session begins.
        this.stats.networkErrors++
        failures++
        await this._sleep(this._backoff(failures))
        continue
      }
      if (s.ended) return
      failures = 0
      if (res.status === 200) {
        this._deliver(s, body)
      } else if (res.status === 404) {
        this._finish(s, { reason: 'unknown session (404)' })
      } else if (res.status === 410) {
        this._finish(s, { reason: 'closed (410)', close: parseClose(body) })
      } else {
        failures++
        await this._sleep(this._backoff(failures))
      }
    }
  }

  _deliver (s, body) {
    let records
    try {
      records = decodeRecords(body)
    } catch {
      // Asking again with the same `after` gets the same frames.
      this.stats.badBodies++
      return
    }
    for (const { seq, frame } of records) {
      if (s.ended) return
      if (seq <= s.after) { this.stats.duplicates++; continue }
      if (seq !== s.after + 1) {
        this.stats.gaps++
        this._finish(s, { reason: `gap: frame ${seq} after ${s.after}` })
        return
      }
      s.after = seq
      this.stats.framesReceived++
      try {
        this._handleFrame(s, frame)
      } catch (err) {
        this._finish(s, { reason: `bad frame ${seq}: ${err.message}` })
        return
      }
    }
  }

  _handleFrame (s, frame) {
    const decoder = decoding.createDecoder(frame)
    while (decoding.hasContent(decoder)) {
      const type = decoding.readVarUint(decoder)
      if (type === messageSync) {
        const encoder = encoding.createEncoder()
        encoding.writeVarUint(encoder, messageSync)
        const kind = syncProtocol.readSyncMessage(decoder, encoder, this.doc, this)
        if (kind === syncProtocol.messageYjsSyncStep1) {
          // The answer holds the whole document the server lacks, updates made offline too.
          this._enqueue(s, encoding.toUint8Array(encoder))
          s.answeredStep1 = true
        } else if (kind === syncProtocol.messageYjsSyncStep2) {
          s.gotStep2 = true
          if (this.session === s) this.synced = true
        }
      } else if (type === messageAwareness) {
        awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this)
      } else if (type === messageQueryAwareness) {
        this._enqueue(s, this._awarenessFrame(Array.from(this.awareness.getStates().keys())))
      } else if (type === messageAuth) {
        decoding.readVarUint(decoder) // permission denied: reason follows; nothing to do
        decoding.readVarString(decoder)
      } else {
        throw new Error(`unknown message type ${type}`)
      }
    }
  }

  // ------------------------------------------------------------------ sending

  _enqueue (s, frame) {
    if (s.ended) return
    s.queue.push(frame)
    this._pump(s)
  }

  /** Sends the queue as numbered batches, one request at a time, until it is empty. */
  async _pump (s) {
    if (s.pumping) return
    s.pumping = true
    try {
      while (!s.ended && !this.destroyed && s.queue.length > 0) {
        let n = 0
        let bytes = 0
        while (n < s.queue.length && n < this.opts.maxBatchFrames &&
          (n === 0 || bytes + 4 + s.queue[n].length <= this.opts.maxBatchBytes)) {
          bytes += 4 + s.queue[n].length
          n++
        }
        const body = encodeBatch(s.queue.slice(0, n))
        const batch = ++s.batch
        let failures = 0
        for (;;) {
          if (s.ended || this.destroyed) return
          let res = null
          let text = null
          try {
            res = await this._fetch(`${s.url}?batch=${batch}`, {
              method: 'POST',
              headers: { 'content-type': 'application/octet-stream' },
              body
            }, this.opts.postTimeoutMs, s)
            text = await res.text()
          } catch {
            if (s.ended || this.destroyed) return
            // The same number again: if the first one was applied, the server ignores this one.
            this.stats.networkErrors++
            this.stats.batchRetries++
            failures++
            await this._sleep(this._backoff(failures))
            continue
          }
          if (res.status === 204 || res.status === 200) {
            s.queue.splice(0, n)
            this.stats.batchesSent++
            this.stats.framesSent += n
            break
          }
          if (res.status === 404) { this._finish(s, { reason: 'unknown session (404)' }); return }
          if (res.status === 410) {
            this._finish(s, { reason: 'closed (410) by a batch', close: parseClose(text) })
            return
          }
          if (res.status === 400 || res.status === 413) {
            // Refused as it is: sending it again cannot pass. A new session resyncs.
            this._finish(s, { reason: `batch refused (${res.status}): ${text}` })
            return
          }
          this.stats.batchRetries++
          failures++
          await this._sleep(this._backoff(failures))
        }
      }
    } finally {
      s.pumping = false
    }
  }

  // ------------------------------------------------------------------ helpers

  _awarenessFrame (clients) {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, messageAwareness)
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients))
    return encoding.toUint8Array(encoder)
  }

  _boardUrl () { return `${this.baseUrl}/poll/${encodeURIComponent(this.board)}` }

  _fetch (url, init, timeoutMs, s) {
    const signals = [AbortSignal.timeout(timeoutMs)]
    if (s != null) signals.push(s.ctrl.signal)
    return fetch(url, { ...init, signal: AbortSignal.any(signals) })
  }

  _backoff (failures) {
    const { minBackoffMs, maxBackoffMs } = this.opts
    return Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.max(0, failures - 1))
  }

  /** A wait that `destroy()` ends at once. */
  _sleep (ms) {
    if (this.destroyed) return Promise.resolve()
    return new Promise(resolve => {
      const wake = () => { clearTimeout(timer); this._sleeps.delete(wake); resolve() }
      const timer = setTimeout(wake, ms)
      this._sleeps.add(wake)
    })
  }

  _setStatus (status) {
    if (this.status === status) return
    this.status = status
    this.emit('status', [{ status }])
  }
}

function parseClose (body) {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body)
  try {
    const { code, reason } = JSON.parse(text)
    return { code, reason }
  } catch {
    return { code: null, reason: text }
  }
}
