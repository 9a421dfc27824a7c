import { test, expect, type Page } from '@playwright/test'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import {
  boardOf, clickCanvas, draw, drag, expectConnected, failOnPageErrors, newBoard, openPage, shapeItems
} from './helpers'

// Links with roles: an edit link and a view link per board, enforced by the server, and
// Reset links for the board's manager.

let server: TestServer
test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

/** Opens the Share dialog and reads a link from it. */
async function shareLink (page: Page, label: 'Edit link' | 'View link'): Promise<string> {
  await page.getByRole('button', { name: 'Share', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: 'Share this board' })
  const value = await dialog.getByRole('textbox', { name: label }).inputValue()
  await dialog.getByRole('button', { name: 'Close' }).click()
  return value
}

test('a view link shows the board live and reads as view only, but cannot change it', async ({ browser }) => {
  const alice = await (await browser.newContext()).newPage()
  failOnPageErrors(alice)
  const url = await newBoard(alice, server.url)
  const viewUrl = await shareLink(alice, 'View link')
  expect(boardOf(viewUrl).id).toBe(boardOf(url).id)
  expect(boardOf(viewUrl).key).not.toBe(boardOf(url).key)

  const bob = await openPage(browser, viewUrl)
  await expect(bob.getByRole('status')).toHaveText('View only')
  const tools = bob.getByRole('toolbar', { name: 'Tools' })
  await expect(tools.getByRole('button', { name: 'Rectangle', exact: true })).toHaveCount(0)
  await expect(tools.getByRole('button', { name: 'Hand', exact: true })).toBeVisible()
  await expect(bob.getByRole('toolbar', { name: 'History' })).toBeHidden()

  await draw(alice, 'Rectangle', 100, 100, 200, 200)
  await expect(shapeItems(bob)).toHaveText([/^Rectangle at 100, 100/])
  // Alice sees Bob (his presence is relayed).
  await expect(alice.getByRole('list', { name: 'People on this board' }).getByRole('listitem')).toHaveCount(1)

  // Nothing Bob does changes the board: shortcuts, a drag, delete, a double-click.
  const canvas = bob.locator('canvas.board-canvas')
  await canvas.focus()
  await bob.keyboard.press('r')
  await drag(bob, 300, 300, 400, 400)
  await clickCanvas(bob, 100, 150)
  await bob.keyboard.press('Delete')
  await drag(bob, 100, 150, 500, 500)
  await canvas.dblclick({ position: { x: 600, y: 300 } })
  await expect(bob.getByRole('textbox', { name: 'Text' })).toBeHidden()
  await bob.keyboard.press('Control+z')
  await expect(bob.getByRole('status')).toHaveText('View only')
  await expect(shapeItems(alice)).toHaveText([/^Rectangle at 100, 100, 100 × 100$/])
  await expect(shapeItems(bob)).toHaveText([/^Rectangle at 100, 100, 100 × 100$/])
  // Panning still works for Bob.
  await expect(bob.getByRole('button', { name: 'Zoom in' })).toBeEnabled()
})

test('Reset links disconnects everyone on the old links within a second; the new links work', async ({ browser }) => {
  const alice = await (await browser.newContext()).newPage()
  failOnPageErrors(alice)
  const url = await newBoard(alice, server.url)
  await draw(alice, 'Ellipse', 100, 100, 200, 200)
  const viewUrl = await shareLink(alice, 'View link')
  const bob = await openPage(browser, url)
  const carol = await openPage(browser, viewUrl)
  await expect(shapeItems(carol)).toHaveCount(1)

  await alice.getByRole('button', { name: 'Share', exact: true }).click()
  const dialog = alice.getByRole('dialog', { name: 'Share this board' })
  // The manager's browser holds the manage key (from "New board").
  await expect(dialog.getByRole('textbox', { name: 'Manage key' })).toHaveValue(/^[A-Za-z0-9_-]{22}$/)
  alice.once('dialog', d => { void d.accept() })
  const started = Date.now()
  await dialog.getByRole('button', { name: 'Reset links' }).click()
  for (const page of [bob, carol]) {
    await expect(page.getByRole('alert')).toContainText('no longer works', { timeout: 1500 })
  }
  expect(Date.now() - started).toBeLessThan(1500)
  await expect(bob.getByRole('status')).toHaveAttribute('data-status', 'denied')

  // Alice moved to the new edit link, and it works.
  await expect(alice).not.toHaveURL(url)
  await expectConnected(alice)
  await expect(shapeItems(alice)).toHaveCount(1)
  const newView = await shareLink(alice, 'View link')
  expect(newView).not.toBe(viewUrl)
  const dave = await openPage(browser, newView)
  await expect(dave.getByRole('status')).toHaveText('View only')
  await expect(shapeItems(dave)).toHaveCount(1)
  // The old links now open nothing.
  for (const old of [url, viewUrl]) {
    const answer = await bob.goto(old)
    expect(answer?.status()).toBe(404)
  }
})

test('a hand-made y-websocket client with the view key receives every change and can make none', async () => {
  const created = await fetch(`${server.url}/boards`, { method: 'POST', headers: { accept: 'application/json' } })
  expect(created.status).toBe(201)
  const { id, keys } = await created.json() as { id: string, keys: { edit: string, view: string } }
  const open = (key: string) => {
    const doc = new Y.Doc()
    const provider = new WebsocketProvider(server.wsBase, id, doc, {
      params: { key }, WebSocketPolyfill: WebSocket as any, disableBc: true, connect: true
    })
    return { doc, provider, shapes: doc.getMap('shapes') }
  }
  const editor = open(keys.edit)
  const viewer = open(keys.view)
  const closes: number[] = []
  viewer.provider.on('connection-close', (event: any) => { if (event) closes.push(event.code) })
  try {
    await expect.poll(() => editor.provider.synced && viewer.provider.synced).toBe(true)
    for (let i = 0; i < 5; i++) editor.shapes.set(`e${i}`, new Y.Map(Object.entries({ type: 'rect', x: i * 10, y: 0, w: 5, h: 5, index: `a${i}` })))
    await expect.poll(() => viewer.shapes.size).toBe(5)
    // The viewer's change is refused: its connection closes with 4003 and nobody receives it.
    viewer.shapes.set('v0', new Y.Map(Object.entries({ type: 'rect', x: 0, y: 0, w: 5, h: 5, index: 'b0' })))
    await expect.poll(() => closes).toContain(4003)
    editor.shapes.set('e5', new Y.Map(Object.entries({ type: 'rect', x: 50, y: 0, w: 5, h: 5, index: 'a5' })))
    const late = open(keys.edit)
    try {
      await expect.poll(() => late.shapes.size).toBe(6)
      expect(late.shapes.has('v0')).toBe(false)
    } finally {
      late.provider.destroy()
    }
  } finally {
    viewer.provider.destroy()
    editor.provider.destroy()
  }
})
