import { test, expect, type Page } from '@playwright/test'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import { shapeItems, draw, newBoard, failOnPageErrors, openPage, pickTool, clickCanvas, exportFile, pasteText } from './helpers'

let server: TestServer

// Versions are kept one second after a board goes quiet here (a minute by default).
test.beforeAll(async () => { server = await TestServer.start({ WB_VERSION_QUIET_SECS: '1' }) })
test.afterAll(async () => { await server?.dispose() })

async function importFile (page: Page, path: string): Promise<void> {
  await page.locator('input[data-import]').setInputFiles(path)
}

test('a board exported as JSON imports back as the same shapes, selected, in one undo step', async ({ page }) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  await draw(page, 'Rectangle', 100, 100, 220, 180)
  await draw(page, 'Ellipse', 300, 120, 400, 220)
  await expect(shapeItems(page)).toHaveCount(2)

  const path = await exportFile(page, 'JSON')
  const json = JSON.parse(readFileSync(path, 'utf8'))
  expect(json.type).toBe('whiteboard')
  expect(json.version).toBe(1)
  expect(json.shapes.map((s: { kind: string }) => s.kind)).toEqual(['rectangle', 'ellipse'])

  await importFile(page, path)
  await expect(page.getByRole('alert')).toContainText('Imported 2 shapes.')
  await expect(shapeItems(page)).toHaveText([/^Rectangle/, /^Ellipse/, /^Rectangle/, /^Ellipse/])
  await expect(page.locator('ul[aria-label="Shapes"] li[aria-selected="true"]')).toHaveCount(2)

  await page.keyboard.press('Control+z')
  await expect(shapeItems(page)).toHaveCount(2)
})

test('an exported PNG and SVG carry the board inside and import as editable shapes', async ({ page }) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  await draw(page, 'Diamond', 100, 100, 220, 200)

  const png = await exportFile(page, 'PNG')
  const bytes = readFileSync(png)
  expect(bytes.subarray(1, 4).toString()).toBe('PNG')
  expect(bytes.includes(Buffer.from('whiteboard'))).toBe(true)
  const svg = await exportFile(page, 'SVG')
  expect(readFileSync(svg, 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)

  await importFile(page, png)
  await expect(shapeItems(page)).toHaveText([/^Diamond/, /^Diamond/])
  await importFile(page, svg)
  await expect(shapeItems(page)).toHaveText([/^Diamond/, /^Diamond/, /^Diamond/])
})

test('a file that is not a board is refused with a message and changes nothing', async ({ page }, info) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  await draw(page, 'Rectangle', 100, 100, 220, 180)
  const bad = info.outputPath('broken.json')
  writeFileSync(bad, '{"type":"whiteboard","version":1,"shapes":[{"kind":"rectangle","x":1e999')
  await importFile(page, bad)
  await expect(page.getByRole('alert')).toBeVisible()
  await expect(shapeItems(page)).toHaveCount(1)
})

test('restoring a version is seen live by the other person, and the restorer can undo it', async ({ browser }) => {
  const alice = await (await browser.newContext({ acceptDownloads: true })).newPage()
  failOnPageErrors(alice)
  const url = await newBoard(alice, server.url)
  await draw(alice, 'Rectangle', 100, 100, 220, 180)
  // The board goes quiet: a version with one rectangle is kept.
  await alice.getByRole('button', { name: 'History' }).click()
  const panel = alice.getByRole('complementary', { name: 'Version history' })
  await expect(async () => {
    await alice.getByRole('button', { name: 'History' }).click()
    await alice.getByRole('button', { name: 'History' }).click()
    await expect(panel.locator('li.version')).toHaveCount(1, { timeout: 1000 })
  }).toPass({ timeout: 15_000 })

  const bob = await openPage(browser, url)
  await draw(bob, 'Ellipse', 300, 120, 400, 220)
  await draw(bob, 'Ellipse', 300, 300, 400, 380)
  await expect(shapeItems(alice)).toHaveCount(3)

  // Preview shows the version read-only, then the board again.
  await panel.getByRole('button', { name: /^Preview / }).last().click()
  await expect(alice.getByText(/^Previewing the version of/)).toBeVisible()
  await expect(shapeItems(alice)).toHaveCount(1)
  await alice.getByRole('button', { name: 'Back to the board' }).click()
  await expect(shapeItems(alice)).toHaveCount(3)

  await panel.getByRole('button', { name: /^Restore / }).last().click()
  await expect(shapeItems(bob)).toHaveText([/^Rectangle/])
  await expect(shapeItems(alice)).toHaveText([/^Rectangle/])

  await alice.getByRole('button', { name: 'Undo' }).click()
  await expect(shapeItems(bob)).toHaveCount(3)
})

// The exported SVG is drawn by the same function as the server's exports; this holds it to what
// the canvas shows. Threshold: under 3 % of the drawing's pixels may differ by more than 48 in a
// colour channel (the canvas's dot grid alone is about 0.7 %; anti-aliased edges the rest).
test('the exported SVG draws every kind of shape as the canvas does', async ({ page }) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  await draw(page, 'Rectangle', 100, 100, 220, 180)
  await draw(page, 'Ellipse', 300, 100, 420, 180)
  await draw(page, 'Diamond', 500, 100, 620, 200)
  await draw(page, 'Line', 100, 260, 220, 320)
  await draw(page, 'Arrow', 300, 260, 420, 320)
  await draw(page, 'Pen', 500, 260, 620, 340)
  await pickTool(page, 'Sticky note')
  await clickCanvas(page, 200, 440)
  await page.keyboard.type('Ship it')
  await page.keyboard.press('Escape')
  await pickTool(page, 'Text')
  await clickCanvas(page, 450, 420)
  await page.keyboard.type('Hello board')
  await page.keyboard.press('Control+Enter')
  await expect(shapeItems(page)).toHaveCount(8)
  await page.keyboard.press('Escape')
  await page.mouse.move(5, 5)

  const svg = readFileSync(await exportFile(page, 'SVG'), 'utf8')
  const result = await page.evaluate(async (svg: string) => {
    const board = document.querySelector('canvas.board-canvas') as HTMLCanvasElement
    const dpr = board.width / board.getBoundingClientRect().width
    const [x, y, w, h] = (svg.match(/viewBox="([^"]+)"/)?.[1] ?? '').split(' ').map(Number)
    const img = new Image()
    img.src = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }))
    await img.decode()
    const drawn = document.createElement('canvas')
    drawn.width = board.width
    drawn.height = board.height
    const ctx = drawn.getContext('2d')!
    ctx.drawImage(img, x * dpr, y * dpr, w * dpr, h * dpr)
    const area = [Math.max(0, Math.round(x * dpr)), Math.max(0, Math.round(y * dpr)),
      Math.round(w * dpr), Math.round(h * dpr)] as const
    const a = ctx.getImageData(...area).data
    const onScreen = document.createElement('canvas')
    onScreen.width = board.width
    onScreen.height = board.height
    const sctx = onScreen.getContext('2d')!
    sctx.drawImage(board, 0, 0)
    const b = sctx.getImageData(...area).data
    let differ = 0
    let inked = 0
    for (let i = 0; i < a.length; i += 4) {
      const d = Math.max(Math.abs(a[i] - b[i]), Math.abs(a[i + 1] - b[i + 1]), Math.abs(a[i + 2] - b[i + 2]))
      if (d > 48) differ++
      if (a[i] < 200) inked++
    }
    return { differ, inked, total: a.length / 4 }
  }, svg)
  // The drawing is really there (not a blank export matching a blank area)…
  expect(result.inked / result.total).toBeGreaterThan(0.01)
  // …and matches the canvas.
  expect(result.differ / result.total).toBeLessThan(0.03)
})

test('an Excalidraw file imports with its kinds, labels and arrows, and says what it skipped', async ({ page }) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  await importFile(page, fileURLToPath(new URL('../../board/tests/fixtures/every-kind.excalidraw', import.meta.url)))
  await expect(page.getByRole('alert')).toContainText('Imported 11 shapes. Skipped what this board cannot show: 1 embeddable.')
  const items = shapeItems(page)
  await expect(items).toHaveCount(11)
  // The frame keeps its name and lists the shapes inside it.
  await expect(items.filter({ hasText: /^Frame at .*: Overview/ })).toHaveCount(1)
  await expect(items.filter({ hasText: /^Rectangle .*: Ship the/ })).toHaveCount(1)
  await expect(items.filter({ hasText: /^Arrow/ })).toHaveCount(1)
  await expect(items.filter({ hasText: /^Pen stroke/ })).toHaveCount(1)
  await expect(items.filter({ hasText: /^Image/ })).toHaveCount(1)
  await expect(items.filter({ hasText: /^Text .*Notes from Tuesday/ })).toHaveCount(1)
})

test('a board file dropped on the canvas, or Excalidraw shapes pasted, are imported', async ({ page }) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  const board = JSON.stringify({
    type: 'whiteboard',
    version: 1,
    shapes: [{ id: 'a', kind: 'ellipse', x: 0, y: 0, w: 80, h: 50, style: { stroke: '#1e1e1e', strokeWidth: 2 }, index: 'a0' }],
    images: {}
  })
  const canvas = page.locator('canvas.board-canvas')
  await canvas.evaluate((el, text) => {
    const data = new DataTransfer()
    data.items.add(new File([text], 'board.json', { type: 'application/json' }))
    el.dispatchEvent(new DragEvent('drop', { dataTransfer: data, clientX: 300, clientY: 300, bubbles: true, cancelable: true }))
  }, board)
  await expect(shapeItems(page)).toHaveText([/^Ellipse/])
  const clipboard = JSON.stringify({
    type: 'excalidraw/clipboard',
    elements: [{ id: 'r', type: 'rectangle', x: 10, y: 10, width: 100, height: 60, angle: 0, strokeColor: '#1e1e1e', backgroundColor: 'transparent', strokeWidth: 2, strokeStyle: 'solid', opacity: 100, groupIds: [], isDeleted: false }],
    files: {}
  })
  await page.evaluate((text) => {
    const data = new DataTransfer()
    data.setData('text/plain', text)
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }))
  }, clipboard)
  await expect(shapeItems(page)).toHaveText([/^Ellipse/, /^Rectangle/])
  // Text in braces that is no board is pasted as text.
  await pasteText(page, '{ not a board }')
  await expect(shapeItems(page)).toHaveText([/^Ellipse/, /^Rectangle/, /^Text.*not a board/])
})

test('a pasted Mermaid flowchart becomes shapes joined by bound arrows; a broken one is reported by line', async ({ page }) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  const paste = (text: string) => pasteText(page, text)
  await paste('graph TD\n  A[Start] --> B{Ready?}\n  B -->|yes| C((Ship it))\n  B -->|no| A\n  D[unclosed --> C\n')
  await expect(page.getByRole('alert')).toContainText('line 5')
  await expect(shapeItems(page)).toHaveCount(0)
  await paste('graph LR\n  A[Start] --> B{Ready?}\n  B -->|yes| C((Ship it))\n  B -->|no| A\n')
  const items = shapeItems(page)
  await expect(items.filter({ hasText: /^Rectangle.*Start/ })).toHaveCount(1)
  await expect(items.filter({ hasText: /^Diamond.*Ready\?/ })).toHaveCount(1)
  await expect(items.filter({ hasText: /^Ellipse.*Ship it/ })).toHaveCount(1)
  await expect(items.filter({ hasText: /^Arrow/ })).toHaveCount(3)
  // A link's label is its arrow's label.
  await expect(items.filter({ hasText: /^Arrow.*: yes$/ })).toHaveCount(1)
  await expect(items.filter({ hasText: /^Text/ })).toHaveCount(0)
})

test('Copy PNG puts an image of the board on the clipboard', async ({ browser }) => {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] })
  const page = await context.newPage()
  failOnPageErrors(page)
  await newBoard(page, server.url)
  await draw(page, 'Rectangle', 100, 100, 220, 180)
  await page.getByRole('button', { name: 'Export' }).click()
  const dialog = page.getByRole('dialog', { name: 'Export' })
  await dialog.getByRole('button', { name: 'Copy PNG' }).click()
  await expect(dialog.getByRole('status')).toHaveText('Copied as PNG.')
  const types = await page.evaluate(async () => (await navigator.clipboard.read()).flatMap(item => item.types))
  expect(types).toContain('image/png')
})
