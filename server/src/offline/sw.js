// The whiteboard's service worker (served as /sw.js by server/src/offline.rs): keeps the app
// shell (the board pages this browser opened, the script, the WASM with its chunks, the styles) so that a
// board opened before opens with the network off; the board itself comes from this device's
// IndexedDB copy (engine/src/offline.rs) and syncs when the network returns.
//
// Pages and the bundle: network first (a deployed update is picked up at once), the cached copy
// when the network fails. Uploaded images (immutable, named by their hash) and the fonts of
// board text (fetched only when a board shows them): cache first. The
// socket, the HTTP fallback and every other endpoint pass through untouched.
const CACHE = 'whiteboard-shell-v1'
// The bundle: the server lists what its pkg directory holds here, split-off WASM chunks included.
const BUNDLE = ['/pkg/whiteboard.js', '/pkg/whiteboard.wasm', '/pkg/whiteboard.css']
const SHELL = ['/', ...BUNDLE, '/favicon.svg']

self.addEventListener('install', event => {
  event.waitUntil(caches.open(CACHE).then(cache => cache.addAll(SHELL)).then(() => self.skipWaiting()))
})

// The pages open while the worker arrived are kept too (the first visit of a board counts),
// before the worker takes control: a page it controls is a page it can open offline.
self.addEventListener('activate', event => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name)
    const cache = await caches.open(CACHE)
    for (const client of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) {
      const url = new URL(client.url)
      if (url.origin === location.origin && isPage(url)) {
        for (let attempt = 0; attempt < 3; attempt++) {
          try { await cache.add(new Request(url, { credentials: 'same-origin' })); break } catch {}
        }
      }
    }
    await self.clients.claim()
  })())
})

function isPage (url) {
  return url.pathname === '/' || url.pathname.startsWith('/b/')
}

async function networkFirst (request, fallbackUrl) {
  const cache = await caches.open(CACHE)
  try {
    const response = await fetch(request)
    if (response.ok) await cache.put(request, response.clone())
    return response
  } catch (error) {
    const cached = await cache.match(request) ||
      (fallbackUrl && await cache.match(fallbackUrl, { ignoreSearch: true }))
    if (cached) return cached
    throw error
  }
}

async function cacheFirst (request) {
  const cache = await caches.open(CACHE)
  const cached = await cache.match(request)
  if (cached) return cached
  const response = await fetch(request)
  if (response.ok) await cache.put(request, response.clone())
  return response
}

self.addEventListener('fetch', event => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== location.origin) return
  if (request.mode === 'navigate' && isPage(url)) {
    // The same board under another key still opens from its cached page.
    event.respondWith(networkFirst(request, url.pathname))
  } else if (url.pathname.startsWith('/pkg/')) {
    event.respondWith(networkFirst(request))
  } else if (/^\/boards\/[^/]+\/images\/[0-9a-f]{64}$/.test(url.pathname) || url.pathname.startsWith('/fonts/')) {
    event.respondWith(cacheFirst(request))
  }
})
