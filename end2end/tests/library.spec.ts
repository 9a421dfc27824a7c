import { test, expect, type Page, type Locator } from '@playwright/test'
import { readFileSync, writeFileSync } from 'node:fs'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import { draw, failOnPageErrors, labels, newBoard, selectedItems, shapeItems, twoPeopleOnANewBoard } from './helpers'

let server: TestServer

test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

function panel (page: Page): Locator {
  return page.getByRole('complementary', { name: 'Library' })
}

/** The items of a section ("This board" or "This browser"): buttons named after them. */
function items (page: Page, section: 'This board' | 'This browser'): Locator {
  return panel(page).getByRole('list', { name: `${section} items` }).locator('.library-insert')
}

async function openLibrary (page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Library', exact: true }).click()
  await expect(panel(page)).toBeVisible()
}

async function selectAll (page: Page): Promise<void> {
  await page.locator('canvas.board-canvas').focus()
  await page.keyboard.press('Control+a')
}

/** An `.excalidrawlib` file of version 2 with two items, one with an element no board shows. */
const LIBRARY_V2 = JSON.stringify({
  type: 'excalidrawlib',
  version: 2,
  source: 'https://excalidraw.com',
  libraryItems: [
    {
      id: 'server',
      status: 'published',
      created: 1700000000000,
      name: 'Server',
      elements: [
        { id: 'box', type: 'rectangle', x: 0, y: 0, width: 80, height: 100, strokeColor: '#1971c2' },
        { id: 'label', type: 'text', x: 10, y: 40, width: 60, height: 25, text: 'API', fontSize: 20, containerId: 'box' }
      ]
    },
    {
      id: 'flow',
      status: 'unpublished',
      created: 1700000001000,
      name: 'Decision',
      elements: [
        { id: 'd', type: 'diamond', x: 0, y: 0, width: 100, height: 80 },
        { id: 'a', type: 'arrow', x: 100, y: 40, width: 80, height: 0, points: [[0, 0], [80, 0]], endArrowhead: 'arrow', startBinding: { elementId: 'd', focus: 0, gap: 1 } },
        { id: 'web', type: 'embeddable', x: 0, y: 0, width: 10, height: 10 }
      ]
    }
  ]
})

test('an item added to the board library reaches the others live; Bob inserts it, and undo takes back his insertion only', async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)
  await draw(alice, 'Rectangle', 100, 100, 220, 180)
  await draw(alice, 'Ellipse', 300, 100, 400, 180)
  await selectAll(alice)
  await expect(selectedItems(alice)).toHaveCount(2)

  await openLibrary(alice)
  await panel(alice).getByRole('button', { name: "Add selection to this board's library" }).click()
  await expect(panel(alice).getByRole('status')).toHaveText("Added 2 shapes to this board's library.")
  await expect(items(alice, 'This board')).toHaveCount(1)
  await expect(items(alice, 'This board').first()).toHaveAccessibleName('2 shapes')
  await expect(items(alice, 'This board').first().locator('img')).toHaveAttribute('src', /^data:image\/svg\+xml;base64,/)

  // Bob sees it without reloading; his browser's own library stays empty.
  await openLibrary(bob)
  await expect(items(bob, 'This board')).toHaveCount(1)
  await expect(items(bob, 'This board').first()).toHaveAccessibleName('2 shapes')
  await expect(items(bob, 'This browser')).toHaveCount(0)

  await items(bob, 'This board').first().click()
  await expect(shapeItems(bob)).toHaveCount(4)
  await expect(shapeItems(alice)).toHaveCount(4)
  await expect(selectedItems(bob)).toHaveCount(2)
  await expect(panel(bob).getByRole('status')).toHaveText('Inserted 2 shapes.')

  // Bob's undo takes back his insertion; Alice's library item stays.
  await bob.keyboard.press('Control+z')
  await expect(shapeItems(bob)).toHaveCount(2)
  await expect(shapeItems(alice)).toHaveCount(2)
  await expect(items(bob, 'This board')).toHaveCount(1)

  // Alice's undo takes back her adding the item, for both.
  await alice.keyboard.press('Control+z')
  await expect(items(alice, 'This board')).toHaveCount(0)
  await expect(items(bob, 'This board')).toHaveCount(0)
  await expect(shapeItems(alice)).toHaveCount(2)

  // Removing an item reaches the others too.
  await alice.keyboard.press('Control+Shift+z')
  await expect(items(bob, 'This board')).toHaveCount(1)
  await panel(bob).getByRole('button', { name: 'Remove 2 shapes' }).click()
  await expect(items(alice, 'This board')).toHaveCount(0)
})

test('a browser item dragged onto the canvas lands where it is dropped; Enter on an item inserts it at the view centre', async ({ page }) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  await draw(page, 'Rectangle', 400, 200, 520, 280)
  await expect(shapeItems(page)).toHaveCount(1)
  const [drawn] = await labels(page)
  // Board units per canvas pixel are 1 on a new board; the offset is the view's origin.
  const dx = drawn.x - 400
  const dy = drawn.y - 200

  await openLibrary(page)
  await panel(page).getByRole('button', { name: "Add selection to this browser's library" }).click()
  await expect(items(page, 'This browser')).toHaveCount(1)
  await expect(items(page, 'This board')).toHaveCount(0)
  await page.locator('canvas.board-canvas').focus()
  await page.keyboard.press('Delete')
  await expect(shapeItems(page)).toHaveCount(0)

  await items(page, 'This browser').first().dragTo(page.locator('canvas.board-canvas'), { targetPosition: { x: 800, y: 500 } })
  await expect(shapeItems(page)).toHaveCount(1)
  const [dropped] = await labels(page)
  expect(Math.abs(dropped.x + dropped.w / 2 - (800 + dx))).toBeLessThanOrEqual(2)
  expect(Math.abs(dropped.y + dropped.h / 2 - (500 + dy))).toBeLessThanOrEqual(2)
  expect([dropped.w, dropped.h]).toEqual([120, 80])

  // The keyboard: the item is a button; Enter inserts at the view's centre.
  await items(page, 'This browser').first().focus()
  await page.keyboard.press('Enter')
  await expect(shapeItems(page)).toHaveCount(2)
  const box = await page.locator('canvas.board-canvas').boundingBox()
  if (!box) throw new Error('no canvas')
  const centred = (await labels(page)).find(l => Math.abs(l.x - dropped.x) > 5)
  if (!centred) throw new Error('no second shape')
  expect(Math.abs(centred.x + centred.w / 2 - (box.width / 2 + dx))).toBeLessThanOrEqual(2)
  expect(Math.abs(centred.y + centred.h / 2 - (box.height / 2 + dy))).toBeLessThanOrEqual(2)

  // This browser's items are there on another board too.
  await newBoard(page, server.url)
  await openLibrary(page)
  await expect(items(page, 'This browser')).toHaveCount(1)
})

test('an .excalidrawlib file imports its items, a damaged one changes nothing, and an export reads back', async ({ page }, info) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  await openLibrary(page)
  const good = info.outputPath('shapes.excalidrawlib')
  writeFileSync(good, LIBRARY_V2)
  await page.locator('input[data-library-import="board"]').setInputFiles(good)
  await expect(panel(page).getByRole('status')).toHaveText(
    "Added 2 items to this board's library. Skipped what this board cannot show: 1 embeddable.")
  await expect(items(page, 'This board')).toHaveCount(2)
  await expect(items(page, 'This board').nth(0)).toHaveAccessibleName('Decision')
  await expect(items(page, 'This board').nth(1)).toHaveAccessibleName('Server')

  const bad = info.outputPath('broken.excalidrawlib')
  writeFileSync(bad, '{"type":"excalidrawlib","version":2,"libraryItems":[{"elements":[{"type":"rectangle","x":')
  await page.locator('input[data-library-import="board"]').setInputFiles(bad)
  await expect(panel(page).getByRole('status')).toContainText('The library could not be imported: the file ends too early')
  const drawing = info.outputPath('drawing.excalidraw')
  writeFileSync(drawing, '{"type":"excalidraw","version":2,"elements":[]}')
  await page.locator('input[data-library-import="board"]').setInputFiles(drawing)
  await expect(panel(page).getByRole('status')).toContainText('not an Excalidraw library')
  await expect(items(page, 'This board')).toHaveCount(2)

  // The imported item inserts as editable shapes: the label inside its rectangle.
  await items(page, 'This board').nth(1).click()
  await expect(shapeItems(page)).toHaveText([/^Rectangle .*API/])

  const download = page.waitForEvent('download')
  await panel(page).getByRole('button', { name: "Export this board's library" }).click()
  const file = await download
  expect(file.suggestedFilename()).toMatch(/\.excalidrawlib$/)
  const path = await file.path()
  const exported = JSON.parse(readFileSync(path, 'utf8'))
  expect(exported.type).toBe('excalidrawlib')
  expect(exported.version).toBe(2)
  expect(exported.libraryItems.map((i: { name: string }) => i.name)).toEqual(['Decision', 'Server'])
  expect(exported.libraryItems[1].elements.map((e: { type: string }) => e.type)).toEqual(['rectangle', 'text'])

  // The exported file imports into this browser's library as the same two items.
  await page.locator('input[data-library-import="browser"]').setInputFiles(path)
  await expect(panel(page).getByRole('status')).toHaveText("Added 2 items to this browser's library.")
  await expect(items(page, 'This browser')).toHaveCount(2)
  // Importing it again adds nothing.
  await page.locator('input[data-library-import="browser"]').setInputFiles(path)
  await expect(panel(page).getByRole('status')).toHaveText('Every item of this library is there already.')
  await expect(items(page, 'This browser')).toHaveCount(2)
})
