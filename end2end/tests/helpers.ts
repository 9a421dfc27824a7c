import { expect, type Browser, type Page, type Locator } from '@playwright/test'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'

/** The accessible list with one item per shape. */
export function shapeItems (page: Page): Locator {
  return page.getByRole('list', { name: 'Shapes' }).getByRole('listitem')
}

export async function expectConnected (page: Page): Promise<void> {
  await expect(page.getByRole('status')).toHaveAttribute('data-status', 'connected')
}

/** Fails the test on any uncaught page error (a broken bundle shows up only there). */
export function failOnPageErrors (page: Page): void {
  page.on('pageerror', err => { throw new Error(`page error: ${err.message}`) })
}

async function canvasBox (page: Page) {
  const box = await page.locator('canvas.board-canvas').boundingBox()
  if (!box) throw new Error('no canvas')
  return box
}

/** Drags on the canvas from (x1, y1) to (x2, y2), coordinates relative to the canvas. */
export async function drag (page: Page, x1: number, y1: number, x2: number, y2: number): Promise<void> {
  const box = await canvasBox(page)
  await page.mouse.move(box.x + x1, box.y + y1)
  await page.mouse.down()
  await page.mouse.move(box.x + (x1 + x2) / 2, box.y + (y1 + y2) / 2, { steps: 4 })
  await page.mouse.move(box.x + x2, box.y + y2, { steps: 4 })
  await page.mouse.up()
}

export async function draw (page: Page, tool: string, x1: number, y1: number, x2: number, y2: number): Promise<void> {
  await pickTool(page, tool)
  await drag(page, x1, y1, x2, y2)
}

export async function clickCanvas (page: Page, x: number, y: number): Promise<void> {
  const box = await canvasBox(page)
  await page.mouse.click(box.x + x, box.y + y)
}

/** Creates a board from the home page of the server at `baseUrl`; returns the board's URL. */
export async function newBoard (page: Page, baseUrl: string): Promise<string> {
  await page.goto(baseUrl)
  await page.getByRole('button', { name: 'New board' }).click()
  // The edit link: the board's id and its edit key (the manage key, in the fragment, is kept
  // by the page and taken out of the address).
  await expect(page).toHaveURL(/\/b\/[A-Za-z0-9_-]{22}\?key=[A-Za-z0-9_-]{22}$/)
  await expectConnected(page)
  return page.url()
}

/** Opens `url` in a fresh browser context (another person) and waits until it is connected. */
export async function openPage (browser: Browser, url: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  failOnPageErrors(page)
  await page.goto(url)
  await expectConnected(page)
  return page
}

/** Alice creates a board from the home page and Bob opens it in his own browser context. */
export async function twoPeopleOnANewBoard (browser: Browser, baseUrl: string): Promise<{ alice: Page, bob: Page, url: string }> {
  const alice = await (await browser.newContext()).newPage()
  failOnPageErrors(alice)
  const url = await newBoard(alice, baseUrl)
  const bob = await openPage(browser, url)
  return { alice, bob, url }
}

export async function pickTool (page: Page, tool: string): Promise<void> {
  await page.getByRole('toolbar', { name: 'Tools' }).getByRole('button', { name: tool, exact: true }).click()
}

/** Items of the shape list that are selected. */
export function selectedItems (page: Page): Locator {
  return page.getByRole('list', { name: 'Shapes' }).locator('li[aria-selected="true"]')
}

/** Parses "Kind at x, y, w × h…" labels into numbers. */
export function parseLabel (label: string): { kind: string, x: number, y: number, w: number, h: number } {
  const m = /^(.+?) at (-?\d+), (-?\d+), (\d+) × (\d+)/.exec(label)
  if (!m) throw new Error(`not a shape label: ${label}`)
  return { kind: m[1], x: Number(m[2]), y: Number(m[3]), w: Number(m[4]), h: Number(m[5]) }
}

export async function labels (page: Page): Promise<Array<ReturnType<typeof parseLabel>>> {
  return (await shapeItems(page).allTextContents()).map(parseLabel)
}

/** The board id and key of a board page's address. */
export function boardOf (url: string): { id: string, key: string } {
  const u = new URL(url)
  return { id: u.pathname.split('/b/')[1], key: u.searchParams.get('key') ?? '' }
}

/** Pastes text on the page as if from the system clipboard. */
export async function pasteText (page: Page, text: string): Promise<void> {
  await page.evaluate((t) => {
    const data = new DataTransfer()
    data.setData('text/plain', t)
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }))
  }, text)
}

/** The board at `url`'s shapes as an official Yjs client reads them from the server at
 * `wsBase` (every stored field), in paint order. */
export async function storedShapes (wsBase: string, url: string): Promise<Array<Record<string, unknown>>> {
  const doc = new Y.Doc()
  const { id, key } = boardOf(url)
  const provider = new WebsocketProvider(wsBase, id, doc, { params: { key }, WebSocketPolyfill: WebSocket as any, disableBc: true })
  try {
    await expect.poll(() => provider.synced).toBe(true)
    const shapes = doc.getMap('shapes')
    return [...shapes.entries()].map(([id, m]) => ({ id, ...(m as Y.Map<unknown>).toJSON() }))
      .sort((a: any, b: any) => (a.index < b.index ? -1 : 1))
  } finally {
    provider.destroy()
    doc.destroy()
  }
}

/** Exports the board from the Export dialog in `format` (PNG, SVG, JSON); returns the file's path. */
export async function exportFile (page: Page, format: string): Promise<string> {
  await page.getByRole('button', { name: 'Export' }).click()
  const dialog = page.getByRole('dialog', { name: 'Export' })
  await dialog.getByRole('group', { name: 'Format' }).getByRole('button', { name: format, exact: true }).click()
  const download = page.waitForEvent('download')
  await dialog.getByRole('button', { name: 'Download' }).click()
  const file = await download
  await expect(dialog.getByRole('status')).toHaveText(/^Saved /)
  await dialog.getByRole('button', { name: 'Close' }).click()
  const path = await file.path()
  if (!path) throw new Error('no download')
  return path
}
