import { test, expect, type Page } from '@playwright/test'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import { boardOf, draw, expectConnected, failOnPageErrors, newBoard, openPage, shapeItems, storedShapes } from './helpers'

// Offline that lasts: this device keeps each board it opened (IndexedDB) and the app shell
// (service worker), so changes made offline survive reloads and merge when the network returns,
// and a board opened before opens with no network at all.

// A reload or navigation with the network off sometimes fails inside Playwright with
// net::ERR_FAILED while the service worker's cache holds the page (1 full run in 4 at most, even
// with the setting in playwright.config.ts; a pause before the navigation always passes). It
// lies between the test tool and a worker that starts while no tool is attached to it, so a test
// of this file that fails is run once more; one that fails twice is a real failure.
test.describe.configure({ retries: 1 })

let server: TestServer
test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

const status = (page: Page) => page.getByRole('status')

/** Waits until the service worker controls the page and keeps this page's copy. */
async function shellKept (page: Page): Promise<void> {
  await page.waitForFunction(async () => {
    const registration = await navigator.serviceWorker.ready
    return registration.active !== null && navigator.serviceWorker.controller !== null &&
      (await caches.match(location.href)) !== undefined
  }, undefined, { polling: 100 })
}

/** Waits until this device's copy of `board` holds the whole document (written a couple of
 * seconds after the last change). */
async function savedOnDevice (page: Page, board: string): Promise<void> {
  await page.waitForFunction(board => new Promise<boolean>(resolve => {
    const open = indexedDB.open('whiteboard', 1)
    open.onerror = () => resolve(false)
    open.onsuccess = () => {
      const db = open.result
      const done = (found: boolean) => { db.close(); resolve(found) }
      try {
        const request = db.transaction('boards').objectStore('boards').get(board)
        request.onsuccess = () => done(request.result !== undefined)
        request.onerror = () => done(false)
      } catch { done(false) }
    }
  }), board, { polling: 200 })
}

test('changes made offline survive a reload and reach the others when back online', async ({ browser }) => {
  const context = await browser.newContext()
  const alice = await context.newPage()
  failOnPageErrors(alice)
  const url = await newBoard(alice, server.url)
  await shellKept(alice)
  const bob = await openPage(browser, url)

  await context.setOffline(true)
  await expect(status(alice)).toHaveAttribute('data-status', 'offline')
  await draw(alice, 'Rectangle', 100, 100, 300, 250)
  await expect(status(alice)).toContainText('1 change saved only on this device')

  await alice.reload()
  await expect(shapeItems(alice)).toHaveText([/^Rectangle at 100, 100/])
  await expect(status(alice)).toContainText('1 change saved only on this device')
  await draw(alice, 'Ellipse', 350, 100, 450, 200)
  await expect(status(alice)).toContainText('2 changes saved only on this device')
  await expect(shapeItems(bob)).toHaveCount(0)

  await context.setOffline(false)
  await expectConnected(alice)
  await expect(shapeItems(bob)).toHaveCount(2)
  await expect(status(alice)).not.toContainText('saved only on this device')
})

test('a board opened before opens with no network, from this device', async ({ browser }) => {
  const context = await browser.newContext()
  const page = await context.newPage()
  failOnPageErrors(page)
  const url = await newBoard(page, server.url)
  await draw(page, 'Rectangle', 100, 100, 300, 250)
  await shellKept(page)
  await page.close()

  // No network and no server: the page, the bundle and the board all come from this device.
  await context.setOffline(true)
  await server.stop()
  try {
    const again = await context.newPage()
    failOnPageErrors(again)
    await again.goto(url)
    await expect(shapeItems(again)).toHaveText([/^Rectangle at 100, 100/])
    await expect(status(again)).toHaveAttribute('data-status', 'offline')
    // Still a working board: drawing offline counts as unsent.
    await draw(again, 'Ellipse', 350, 100, 450, 200)
    await expect(status(again)).toContainText('1 change saved only on this device')
    // What loads on first use (reading Mermaid, drawing previews) was kept too.
    await again.getByRole('button', { name: 'Mermaid', exact: true }).click()
    const dialog = again.getByRole('dialog', { name: 'Mermaid flowchart' })
    await expect(dialog.getByRole('img', { name: 'What will be inserted' })).toBeVisible()
  } finally {
    await server.spawn()
  }
})

test('the home page lists the local copy of a board, which can be removed', async ({ browser }) => {
  const context = await browser.newContext()
  const page = await context.newPage()
  failOnPageErrors(page)
  const url = await newBoard(page, server.url)
  await draw(page, 'Rectangle', 100, 100, 300, 250)
  const id = new URL(url).pathname.split('/').pop()!
  await savedOnDevice(page, id)
  await page.goto(server.url)
  const item = page.getByRole('list', { name: 'Recent boards' }).getByRole('listitem')
    .filter({ has: page.locator(`a[href*="${id}"]`) })
  await expect(item).toContainText('Saved on this device')
  await item.getByRole('button', { name: 'Remove the local copy of Untitled board' }).click()
  await expect(item).not.toContainText('Saved on this device')
  await expect(item.getByRole('link')).toBeVisible()
})

test('a full storage quota gets a clear message, and the board keeps working', async ({ browser }) => {
  const context = await browser.newContext()
  const page = await context.newPage()
  failOnPageErrors(page)
  // Chromium's own quota override: this site may store (almost) nothing.
  const cdp = await context.newCDPSession(page)
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.url, quotaSize: 1 })
  const bob = await openPage(browser, await newBoard(page, server.url))
  await draw(page, 'Rectangle', 100, 100, 300, 250)
  await expect(page.getByRole('alert')).toContainText("storage for the board is full")
  // Nothing is lost for the others: the change still went to the server.
  await expect(shapeItems(bob)).toHaveCount(1)
})

test('a board this device never held is read over HTTP before its socket syncs; once held, it is not read again', async ({ browser }) => {
  const alice = await (await browser.newContext()).newPage()
  failOnPageErrors(alice)
  const url = await newBoard(alice, server.url)
  await draw(alice, 'Rectangle', 100, 100, 300, 250)
  await draw(alice, 'Ellipse', 350, 100, 450, 200)
  await expect.poll(async () => (await storedShapes(server.wsBase, url)).length).toBe(2)

  const bob = await (await browser.newContext()).newPage()
  failOnPageErrors(bob)
  const reads: string[] = []
  bob.on('request', request => {
    if (/^\/boards\/[^/]+\/state$/.test(new URL(request.url()).pathname)) reads.push(request.url())
  })
  // At first Bob's socket and the HTTP fallback reach no server: what he sees, he has read.
  let live = false
  await bob.routeWebSocket(/\/ws\//, ws => { if (live) ws.connectToServer() })
  await bob.route('**/poll/**', route => live ? route.continue() : route.abort())
  await bob.goto(url)
  await expect(shapeItems(bob)).toHaveText([/^Rectangle at 100, 100/, /^Ellipse at 350, 100/])
  expect(reads).toHaveLength(1)
  await expect(bob.getByRole('status')).not.toHaveAttribute('data-status', 'connected')

  // Now this device holds the board: a reload opens it from here and reads nothing.
  const { id } = boardOf(url)
  await savedOnDevice(bob, id)
  await expect.poll(() => bob.evaluate(id => localStorage.getItem(`whiteboard.copy.${id}`), id)).toBe('1')
  live = true
  await bob.reload()
  await expectConnected(bob)
  await expect(shapeItems(bob)).toHaveCount(2)
  expect(reads).toHaveLength(1)
  // (Below the name prompt in the middle of a first board.)
  await draw(bob, 'Rectangle', 100, 420, 250, 520)
  await expect(shapeItems(alice)).toHaveCount(3)
})
