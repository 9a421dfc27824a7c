import { test, expect, type Page } from '@playwright/test'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import { clickCanvas, draw, failOnPageErrors, newBoard, selectedItems, shapeItems, twoPeopleOnANewBoard } from './helpers'

// Diagramming on the board: find, flowchart keys, locked shapes and links.

let server: TestServer
test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

/** Pastes text as the system clipboard would (a Mermaid chart becomes shapes). */
async function paste (page: Page, text: string): Promise<void> {
  await page.evaluate((t) => {
    const data = new DataTransfer()
    data.setData('text/plain', t)
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }))
  }, text)
}

/** The canvas's middle, relative to the canvas. */
async function middle (page: Page): Promise<{ x: number, y: number }> {
  const box = await page.locator('canvas.board-canvas').boundingBox()
  if (!box) throw new Error('no canvas')
  return { x: box.width / 2, y: box.height / 2 }
}

test('Ctrl+F finds text in reading order, steps with Enter and Shift+Enter, and brings each match into view', async ({ page }) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  await paste(page, 'graph LR\n  A[Alpha one] --> B[Beta]\n  B --> C[alpha two]\n')
  await expect(shapeItems(page).filter({ hasText: /^Rectangle/ })).toHaveCount(3)
  // Pan far away, so the matches are out of sight.
  await page.keyboard.press('Escape')
  await page.locator('canvas.board-canvas').focus()
  for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowDown')

  await page.keyboard.press('Control+f')
  const field = page.getByRole('searchbox', { name: 'Find text on the board' })
  await expect(field).toBeFocused()
  await field.fill('ALPHA')
  const count = page.getByRole('search', { name: 'Find on board' }).locator('.find-count')
  await expect(count).toHaveText('1 of 2')
  await expect(selectedItems(page)).toHaveText([/^Rectangle.*: Alpha one$/])
  await field.press('Enter')
  await expect(count).toHaveText('2 of 2')
  await expect(selectedItems(page)).toHaveText([/^Rectangle.*: alpha two$/])
  await field.press('Enter')
  await expect(count).toHaveText('1 of 2')
  await field.press('Shift+Enter')
  await expect(count).toHaveText('2 of 2')

  // The view jumped to the match: it sits in the middle of the canvas.
  await field.press('Escape')
  await expect(page.getByRole('search', { name: 'Find on board' })).toBeHidden()
  await expect(page.locator('canvas.board-canvas')).toBeFocused()
  await page.keyboard.press('Escape')
  await expect(selectedItems(page)).toHaveCount(0)
  const m = await middle(page)
  await clickCanvas(page, m.x, m.y)
  await expect(selectedItems(page)).toHaveText([/^Rectangle.*: alpha two$/])

  await page.keyboard.press('Control+f')
  await expect(field).toBeFocused()
  await field.fill('gamma')
  await expect(count).toHaveText('No results')
})

test('Ctrl+Arrow adds a connected copy; holding Ctrl branches; both people see it; one undo per node', async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)
  await draw(alice, 'Rectangle', 100, 100, 220, 160)
  await expect(selectedItems(alice)).toHaveText([/^Rectangle at 100, 100, 120 × 60$/])
  await alice.locator('canvas.board-canvas').focus()
  await alice.keyboard.down('Control')
  await alice.keyboard.press('ArrowRight')
  await alice.keyboard.press('ArrowRight')
  // While Ctrl is held the source stays selected, so the second press branched.
  await expect(selectedItems(alice)).toHaveText([/^Rectangle at 100, 100/])
  await alice.keyboard.up('Control')
  await expect(selectedItems(alice)).toHaveText([/^Rectangle at 320, 210, 120 × 60$/])
  // From the node made last, the chain goes on.
  await alice.keyboard.press('Control+ArrowDown')
  const rects = [/^Rectangle at 100, 100, 120 × 60$/, /^Rectangle at 320, 100, 120 × 60$/,
    /^Rectangle at 320, 210, 120 × 60$/, /^Rectangle at 320, 370, 120 × 60$/]
  for (const page of [alice, bob]) {
    await expect(shapeItems(page).filter({ hasText: /^Rectangle/ })).toHaveText(rects)
    await expect(shapeItems(page).filter({ hasText: /^Arrow/ })).toHaveCount(3)
  }
  // The arrows are bound: moving the first node drags the ends of its two arrows along.
  const before = await shapeItems(bob).filter({ hasText: /^Arrow/ }).allTextContents()
  await alice.keyboard.press('Escape')
  await clickCanvas(alice, 160, 130)
  await alice.keyboard.press('Shift+ArrowUp')
  await expect(shapeItems(bob).filter({ hasText: /^Rectangle/ }).first()).toHaveText(/^Rectangle at 100, 90,/)
  await expect.poll(async () => {
    const after = await shapeItems(bob).filter({ hasText: /^Arrow/ }).allTextContents()
    return after.filter((label, i) => label !== before[i]).length
  }).toBe(2)
  // Undo takes back the nudge, then the last node with its arrow in one step.
  await alice.keyboard.press('Control+z')
  await alice.keyboard.press('Control+z')
  await expect(shapeItems(bob).filter({ hasText: /^Rectangle/ })).toHaveCount(3)
  await expect(shapeItems(bob).filter({ hasText: /^Arrow/ })).toHaveCount(2)
})
