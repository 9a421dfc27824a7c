import { test, expect, type Page } from '@playwright/test'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import {
  clickCanvas, drag, draw, failOnPageErrors, newBoard, openPage, pickTool, selectedItems,
  shapeItems, twoPeopleOnANewBoard, pasteText
} from './helpers'

let server: TestServer

test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

const canvas = (page: Page) => page.locator('canvas.board-canvas')
const lockButton = (page: Page) => page.getByRole('button', { name: 'Lock', exact: true })
const linkField = (page: Page) => page.getByRole('textbox', { name: 'Link' })

const paste = pasteText

/** Pans the view down by pressing ArrowDown on the canvas with nothing selected. */
async function panDown (page: Page, presses: number): Promise<void> {
  await canvas(page).focus()
  await page.keyboard.press('Escape')
  for (let i = 0; i < presses; i++) await page.keyboard.press('ArrowDown')
}

test('a locked shape: the others see it locked and cannot click, drag, marquee, select all or delete it; Tab reaches it, Ctrl+Shift+L unlocks it, undo locks it again', async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)
  await draw(alice, 'Rectangle', 200, 150, 400, 300)
  await expect(selectedItems(alice)).toHaveCount(1)
  await expect(lockButton(alice)).toHaveAttribute('aria-pressed', 'false')
  await lockButton(alice).click()
  await expect(lockButton(alice)).toHaveAttribute('aria-pressed', 'true')
  // A locked selection offers only what works on it.
  await expect(alice.getByRole('group', { name: 'Stroke' })).toHaveCount(0)
  await expect(alice.getByRole('button', { name: 'Delete' })).toHaveCount(0)

  const locked = /^Rectangle at 200, 150, 200 × 150 \(locked\)$/
  await expect(shapeItems(bob)).toHaveText([locked])

  // Bob: a click inside or on the outline selects nothing; a drag moves nothing.
  await clickCanvas(bob, 300, 225)
  await clickCanvas(bob, 200, 225)
  await expect(selectedItems(bob)).toHaveCount(0)
  await drag(bob, 300, 225, 500, 400)
  await drag(bob, 200, 225, 450, 450)
  await expect(shapeItems(bob)).toHaveText([locked])
  // Neither a marquee around it nor Select all picks it.
  await drag(bob, 100, 100, 600, 500)
  await expect(selectedItems(bob)).toHaveCount(0)
  await canvas(bob).focus()
  await bob.keyboard.press('Control+a')
  await expect(selectedItems(bob)).toHaveCount(0)
  // The eraser passes it by.
  await draw(bob, 'Eraser', 190, 225, 410, 225)
  await expect(shapeItems(bob)).toHaveCount(1)
  await pickTool(bob, 'Select')

  // The keyboard reaches it; arrows and Delete leave it where it is.
  await canvas(bob).focus()
  await bob.keyboard.press('Tab')
  await expect(selectedItems(bob)).toHaveCount(1)
  await expect(lockButton(bob)).toHaveAttribute('aria-pressed', 'true')
  await bob.keyboard.press('ArrowRight')
  await bob.keyboard.press('Delete')
  await expect(shapeItems(bob)).toHaveText([locked])
  await expect(shapeItems(alice)).toHaveText([locked])

  await bob.keyboard.press('Control+Shift+L')
  const unlocked = /^Rectangle at 200, 150, 200 × 150$/
  await expect(shapeItems(bob)).toHaveText([unlocked])
  await expect(shapeItems(alice)).toHaveText([unlocked])
  await expect(lockButton(bob)).toHaveAttribute('aria-pressed', 'false')
  // Unlocked, it moves with the pointer again.
  await drag(bob, 300, 225, 350, 275)
  await expect(shapeItems(alice)).toHaveText([/^Rectangle at 250, 200, 200 × 150$/])

  // Undo takes back Bob's move, then his unlock.
  await bob.keyboard.press('Control+z')
  await expect(shapeItems(alice)).toHaveText([unlocked])
  await bob.keyboard.press('Control+z')
  await expect(shapeItems(alice)).toHaveText([locked])
  await expect(shapeItems(bob)).toHaveText([locked])
})

test('a link to a web page opens it in a new tab without opener; javascript: is refused with a message and never stored', async ({ browser }) => {
  const context = await browser.newContext()
  // The address the link leads to answers here, without any network.
  await context.route('https://example.com/**', route => route.fulfill({
    contentType: 'text/html', body: '<title>Example</title><p>example</p>'
  }))
  const page = await context.newPage()
  failOnPageErrors(page)
  await newBoard(page, server.url)
  await draw(page, 'Rectangle', 200, 150, 400, 300)
  await expect(selectedItems(page)).toHaveCount(1)

  // Ctrl+K moves to the link field.
  await canvas(page).focus()
  await page.keyboard.press('Control+k')
  await expect(linkField(page)).toBeFocused()
  await linkField(page).fill('javascript:alert(1)')
  await linkField(page).press('Enter')
  await expect(page.getByRole('alert')).toContainText('“javascript:” links are not allowed')
  await expect(linkField(page)).toHaveValue('')
  await expect(shapeItems(page)).toHaveText([/^Rectangle at 200, 150, 200 × 150$/])
  await page.getByRole('alert').getByRole('button', { name: 'Dismiss' }).click()

  // A bare host becomes an https link.
  await linkField(page).fill('example.com')
  await linkField(page).press('Enter')
  await expect(linkField(page)).toHaveValue('https://example.com')
  await expect(shapeItems(page)).toHaveText([/\(links to https:\/\/example\.com\)$/])

  // The badge right of the top-right corner opens it in a new tab, with no way back to the
  // board (no opener, no referrer: the board's address holds its key).
  const [popup] = await Promise.all([
    context.waitForEvent('page'),
    clickCanvas(page, 430, 150)
  ])
  await popup.waitForLoadState()
  expect(popup.url()).toBe('https://example.com/')
  expect(await popup.evaluate(() => [window.opener === null, document.referrer])).toEqual([true, ''])
  await popup.close()

  // A script link written by someone else (here: pasted shapes) is dropped, and nothing opens.
  await paste(page, JSON.stringify({
    kind: 'whiteboard/shapes',
    shapes: [{ id: 'x', kind: 'rectangle', x: 600, y: 400, w: 100, h: 80, index: 'a0', link: 'JavaScript:alert(1)' }]
  }))
  await expect(shapeItems(page)).toHaveCount(2)
  await expect(shapeItems(page).nth(1)).not.toContainText('links to')
  await expect(linkField(page)).toHaveValue('')
  const box = await canvas(page).boundingBox()
  if (!box) throw new Error('no canvas')
  const opened = context.waitForEvent('page', { timeout: 1500 }).then(() => true, () => false)
  // Where a badge would be for the pasted shape (it lands at the pointer, selected).
  const pasted = await shapeItems(page).nth(1).textContent() ?? ''
  const m = /at (-?\d+), (-?\d+), (\d+) ×/.exec(pasted)
  if (!m) throw new Error(pasted)
  await clickCanvas(page, Number(m[1]) + Number(m[3]) + 30, Number(m[2]))
  expect(await opened).toBe(false)
  await context.close()
})

test('Copy link to shape: pasted as another shape\'s link, its badge selects the target and brings it into view, for the others too', async ({ browser }) => {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] })
  const alice = await context.newPage()
  failOnPageErrors(alice)
  const url = await newBoard(alice, server.url)
  const bob = await openPage(browser, url)

  // (Clear of the name prompt in the middle of a first board.)
  await draw(alice, 'Rectangle', 150, 450, 350, 570)
  await expect(selectedItems(alice)).toHaveCount(1)
  await alice.getByRole('button', { name: 'Copy link to shape' }).click()
  const copied = await alice.evaluate(async () => await navigator.clipboard.readText())
  expect(copied).toMatch(/\/b\/[A-Za-z0-9_-]{22}\?key=[A-Za-z0-9_-]{22}#shape=[A-Za-z0-9_-]+$/)

  // Far below the target, an ellipse linking to it.
  await panDown(alice, 20)
  await draw(alice, 'Ellipse', 100, 100, 250, 200)
  await linkField(alice).fill(copied)
  await linkField(alice).press('Enter')
  await expect(linkField(alice)).toHaveValue(/^#shape=/)
  const linked = /^Ellipse .*\(links to Rectangle\)$/
  await expect(shapeItems(alice).filter({ hasText: /^Ellipse/ })).toHaveText([linked])

  // Bob looks at the ellipse and presses its badge.
  await expect(shapeItems(bob).filter({ hasText: /^Ellipse/ })).toHaveText([linked])
  await panDown(bob, 20)
  await clickCanvas(bob, 280, 100)
  await expect(selectedItems(bob)).toHaveText([/^Rectangle at 150, 450, 200 × 120$/])
  // The target is now in the middle of his view.
  await bob.keyboard.press('Escape')
  await expect(selectedItems(bob)).toHaveCount(0)
  const box = await canvas(bob).boundingBox()
  if (!box) throw new Error('no canvas')
  await clickCanvas(bob, box.width / 2, box.height / 2)
  await expect(selectedItems(bob)).toHaveText([/^Rectangle at 150, 450/])

  // Opening the copied address goes to the shape too.
  const carol = await openPage(browser, copied)
  await expect(selectedItems(carol)).toHaveText([/^Rectangle at 150, 450/])
  await context.close()
})
