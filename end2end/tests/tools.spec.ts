import { test, expect, type Page } from '@playwright/test'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import {
  shapeItems, draw, drag, clickCanvas, pickTool, selectedItems, labels, parseLabel,
  twoPeopleOnANewBoard, newBoard, failOnPageErrors, storedShapes as storedOn
} from './helpers'

let server: TestServer
test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

/** The board's shapes as stored on this spec's server. */
const storedShapes = async (url: string) => await storedOn(server.wsBase, url)

async function alone (page: Page): Promise<string> {
  failOnPageErrors(page)
  return await newBoard(page, server.url)
}

test('every drawing tool adds its shape, and the other person sees each one', async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)
  await draw(alice, 'Rectangle', 100, 100, 220, 180)
  await draw(alice, 'Ellipse', 300, 100, 420, 180)
  await draw(alice, 'Diamond', 500, 100, 620, 200)
  await draw(alice, 'Line', 100, 300, 220, 360)
  await draw(alice, 'Arrow', 300, 300, 420, 360)
  await draw(alice, 'Pen', 500, 300, 620, 380)
  await pickTool(alice, 'Sticky note')
  await clickCanvas(alice, 200, 550)
  await expect(alice.getByRole('textbox', { name: 'Text' })).toBeFocused()
  await alice.keyboard.type('Ship it')
  await alice.keyboard.press('Escape')
  await pickTool(alice, 'Text')
  await clickCanvas(alice, 500, 520)
  await alice.keyboard.type('Hello board')
  await alice.keyboard.press('Control+Enter')
  const expected = [/^Rectangle at/, /^Ellipse at/, /^Diamond at/, /^Line at/, /^Arrow at/, /^Pen stroke at/,
    /^Sticky note at .*: Ship it$/, /^Text at .*: Hello board$/]
  await expect(shapeItems(alice)).toHaveText(expected)
  await expect(shapeItems(bob)).toHaveText(expected)
  // Editing a sticky note again (double click) changes its text for both.
  await pickTool(alice, 'Select')
  await alice.locator('canvas.board-canvas').dblclick({ position: { x: 200, y: 550 } })
  await alice.keyboard.press('Control+a')
  await alice.keyboard.type('Shipped')
  await alice.keyboard.press('Escape')
  await expect(shapeItems(bob).nth(6)).toHaveText(/: Shipped$/)
})

test('arrow ends attach to shapes and follow them when they move', async ({ browser }) => {
  const { alice, bob, url } = await twoPeopleOnANewBoard(browser, server.url)
  await draw(alice, 'Rectangle', 100, 100, 200, 200)
  await draw(alice, 'Ellipse', 400, 100, 500, 200)
  await draw(alice, 'Arrow', 150, 150, 450, 150)
  const arrow = (await storedShapes(url)).find(s => s.type === 'arrow')!
  const ids = (await storedShapes(url)).map(s => s.id)
  expect(arrow.startBind).toBe(ids[0])
  expect(arrow.endBind).toBe(ids[1])
  await expect(shapeItems(bob).nth(2)).toHaveText(/^Arrow at 206, 150, 188 × 0/)
  // Alice moves the ellipse down: the arrow now points down and to the right, for Bob too.
  await pickTool(alice, 'Select')
  await drag(alice, 450, 100, 450, 400)
  await expect.poll(async () => parseLabel(await shapeItems(bob).nth(2).innerText()).h).toBeGreaterThan(200)
})

test('select: click, shift-click and marquee; delete removes the selection', async ({ page }) => {
  await alone(page)
  await draw(page, 'Rectangle', 100, 100, 160, 160)
  await draw(page, 'Rectangle', 300, 100, 360, 160)
  await draw(page, 'Rectangle', 500, 100, 560, 160)
  await pickTool(page, 'Select')
  await clickCanvas(page, 100, 130)
  await expect(selectedItems(page)).toHaveCount(1)
  await page.keyboard.down('Shift')
  await clickCanvas(page, 300, 130)
  await page.keyboard.up('Shift')
  await expect(selectedItems(page)).toHaveCount(2)
  await clickCanvas(page, 700, 500)
  await expect(selectedItems(page)).toHaveCount(0)
  await drag(page, 250, 50, 620, 250)
  await expect(selectedItems(page)).toHaveCount(2)
  await page.keyboard.press('Delete')
  await expect(shapeItems(page)).toHaveText([/^Rectangle at 100, 100/])
})

test('the style panel styles the selection and sets the style of new shapes', async ({ page }) => {
  const url = await alone(page)
  await draw(page, 'Rectangle', 100, 100, 200, 200)
  const panel = page.getByRole('complementary', { name: 'Style' })
  await panel.getByRole('button', { name: 'Stroke red' }).click()
  await panel.getByRole('button', { name: 'Fill blue' }).click()
  await panel.getByRole('button', { name: 'Stroke width Bold' }).click()
  await panel.getByRole('button', { name: 'Dash Dashed' }).click()
  await panel.getByRole('slider', { name: 'Opacity' }).fill('50')
  await expect.poll(async () => (await storedShapes(url))[0]).toMatchObject(
    { stroke: '#e03131', fill: '#a5d8ff', strokeWidth: 4, dash: 'dashed', opacity: 0.5 })
  await expect(panel.getByRole('button', { name: 'Stroke red' })).toHaveAttribute('aria-pressed', 'true')
  // The next shape is drawn with the same style.
  await draw(page, 'Ellipse', 300, 100, 400, 200)
  await expect.poll(async () => (await storedShapes(url))[1]).toMatchObject({ type: 'ellipse', stroke: '#e03131', dash: 'dashed' })
  // Font size on a text.
  await pickTool(page, 'Text')
  await clickCanvas(page, 100, 400)
  await page.keyboard.type('Big')
  await page.keyboard.press('Escape')
  await panel.getByRole('button', { name: 'Font size Extra large' }).click()
  await expect.poll(async () => (await storedShapes(url))[2]).toMatchObject({ type: 'text', fontSize: 40 })
})

test('resize with a handle (shift keeps the ratio) and rotate with the rotate handle', async ({ page }) => {
  const url = await alone(page)
  await draw(page, 'Rectangle', 100, 100, 300, 200)
  await pickTool(page, 'Select')
  await clickCanvas(page, 100, 150)
  // The south-east handle sits 8 px outside the corner.
  await drag(page, 308, 208, 408, 258)
  await expect(shapeItems(page)).toHaveText([/^Rectangle at 100, 100, 300 × 150/])
  await page.keyboard.down('Shift')
  await drag(page, 408, 258, 608, 258)
  await page.keyboard.up('Shift')
  await expect(shapeItems(page)).toHaveText([/^Rectangle at 100, 100, 500 × 250/])
  // Rotate handle: 24 px above the frame's top edge, in its middle.
  await drag(page, 350, 68, 700, 225)
  await expect.poll(async () => Number((await storedShapes(url))[0].rotation ?? 0)).toBeGreaterThan(1.2)
})

test('duplicate, copy and paste, z-order, group, align and snapping', async ({ page, context }) => {
  const url = await alone(page)
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url })
  await draw(page, 'Rectangle', 100, 100, 200, 200)
  await draw(page, 'Ellipse', 400, 300, 500, 380)
  await pickTool(page, 'Select')
  await clickCanvas(page, 100, 150)
  await page.keyboard.press('Control+d')
  await expect(shapeItems(page)).toHaveText([/^Rectangle at 100, 100/, /^Ellipse/, /^Rectangle at 116, 116/])
  await page.keyboard.press('Control+c')
  await page.keyboard.press('Control+v')
  await expect(shapeItems(page)).toHaveCount(4)
  await expect(shapeItems(page).nth(3)).toHaveText(/^Rectangle at 132, 132/)
  // Send the pasted copy to the back.
  await page.keyboard.press('Control+Shift+[')
  await expect(shapeItems(page).first()).toHaveText(/^Rectangle at 132, 132/)
  await page.keyboard.press('Delete')
  await clickCanvas(page, 116, 160)
  await page.keyboard.press('Delete')
  await expect(shapeItems(page)).toHaveCount(2)
  // Group: selecting one shape of a group selects the group.
  await page.keyboard.press('Control+a')
  await page.keyboard.press('Control+g')
  await clickCanvas(page, 700, 600)
  await clickCanvas(page, 100, 150)
  await expect(selectedItems(page)).toHaveCount(2)
  await page.getByRole('complementary', { name: 'Style' }).getByRole('button', { name: 'Align left' }).click()
  await expect(shapeItems(page)).toHaveText([/^Rectangle at 100, 100/, /^Ellipse at 100, 300/])
  await page.keyboard.press('Control+Shift+g')
  expect((await storedShapes(url)).every(s => s.group === undefined)).toBe(true)
  // Snapping: dropped 3 px off the rectangle's right edge, the ellipse lines up with it.
  await clickCanvas(page, 700, 600)
  await drag(page, 100, 340, 203, 340)
  await expect(shapeItems(page).nth(1)).toHaveText(/^Ellipse at 200, 300/)
  // With snapping off it stays where it is dropped.
  await page.getByRole('button', { name: 'Snap to shapes' }).click()
  await expect(page.getByRole('button', { name: 'Snap to shapes' })).toHaveAttribute('aria-pressed', 'false')
  await drag(page, 200, 340, 203, 340)
  await expect(shapeItems(page).nth(1)).toHaveText(/^Ellipse at 203, 300/)
})

test('the eraser deletes what it touches, and undo brings it back', async ({ page }) => {
  await alone(page)
  await draw(page, 'Rectangle', 100, 100, 200, 200)
  await draw(page, 'Pen', 300, 100, 400, 200)
  await pickTool(page, 'Eraser')
  await drag(page, 80, 150, 450, 150)
  await expect(shapeItems(page)).toHaveCount(0)
  await page.getByRole('button', { name: 'Undo' }).click()
  await expect(shapeItems(page)).toHaveCount(2)
})

test('the laser pointer leaves a fading trail the other person sees, and no shape', async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)
  // A region the laser crosses but where Alice's cursor never stops.
  const region = { x: 100, y: 280, width: 120, height: 40 }
  const before = await bob.screenshot({ clip: await clip(bob, region) })
  await pickTool(alice, 'Laser pointer')
  const box = (await alice.locator('canvas.board-canvas').boundingBox())!
  await alice.mouse.move(box.x + 110, box.y + 300)
  await alice.mouse.down()
  await expect.poll(async () => {
    // Sweep again before each look: the trail lasts a second.
    await alice.mouse.move(box.x + 110, box.y + 300)
    await alice.mouse.move(box.x + 600, box.y + 300, { steps: 12 })
    return (await bob.screenshot({ clip: await clip(bob, region) })).equals(before)
  }).toBe(false)
  await alice.mouse.up()
  await expect.poll(async () => (await bob.screenshot({ clip: await clip(bob, region) })).equals(before)).toBe(true)
  await expect(shapeItems(alice)).toHaveCount(0)
})

async function clip (page: Page, r: { x: number, y: number, width: number, height: number }) {
  const box = (await page.locator('canvas.board-canvas').boundingBox())!
  return { x: box.x + r.x, y: box.y + r.y, width: r.width, height: r.height }
}

test('an image picked from disk is stored on the server and shown to the other person', async ({ browser }) => {
  const { alice, bob, url } = await twoPeopleOnANewBoard(browser, server.url)
  // A 2 x 1 PNG.
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAAEUlEQVR4nGP4z8DwHwyBDABF5AX7a8lC4QAAAABJRU5ErkJggg==', 'base64')
  const chooser = alice.waitForEvent('filechooser')
  await pickTool(alice, 'Image')
  await (await chooser).setFiles({ name: 'dot.png', mimeType: 'image/png', buffer: png })
  await expect(shapeItems(bob)).toHaveText([/^Image at -?\d+, -?\d+, 2 × 1/])
  const image = (await storedShapes(url))[0]
  // Served to holders of a key of the board only.
  expect((await fetch(server.url + String(image.src))).status).toBe(404)
  const res = await fetch(server.url + String(image.src) + new URL(url).search)
  expect(res.status).toBe(200)
  expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true)
})

test('hand tool, zoom controls, zoom to fit and the minimap move the view', async ({ page }) => {
  await alone(page)
  await draw(page, 'Rectangle', 300, 300, 400, 400)
  const zoom = page.getByRole('button', { name: 'Reset zoom' })
  await page.getByRole('button', { name: 'Zoom in' }).click()
  await expect(zoom).toHaveText('125%')
  await zoom.click()
  await expect(zoom).toHaveText('100%')
  await pickTool(page, 'Hand')
  await drag(page, 600, 400, 400, 200)
  // The view moved by (200, 200): a shape drawn at the same screen spot lands 200 further.
  await draw(page, 'Rectangle', 300, 300, 400, 400)
  await expect(shapeItems(page).nth(1)).toHaveText(/^Rectangle at 500, 500/)
  await page.getByRole('button', { name: 'Zoom to fit' }).click()
  await expect(zoom).toHaveText('100%')
  await page.keyboard.press('Control+-')
  await expect(zoom).toHaveText('80%')
  const minimap = page.getByRole('img', { name: 'Minimap' })
  await minimap.click({ position: { x: 5, y: 5 } })
  await draw(page, 'Ellipse', 600, 400, 640, 440)
  await expect(shapeItems(page)).toHaveCount(3)
  const moved = (await labels(page))[2]
  expect(moved.x < 0 || moved.y < 0).toBe(true)
})

test('keyboard: Tab selects shapes one by one, arrow keys move them, ? lists the shortcuts', async ({ page }) => {
  await alone(page)
  await draw(page, 'Rectangle', 100, 100, 200, 200)
  await draw(page, 'Ellipse', 300, 100, 400, 200)
  await page.keyboard.press('Escape')
  await page.locator('canvas.board-canvas').focus()
  await page.keyboard.press('Tab')
  await expect(selectedItems(page)).toHaveText([/^Rectangle/])
  await page.keyboard.press('Tab')
  await expect(selectedItems(page)).toHaveText([/^Ellipse/])
  await page.keyboard.press('Shift+ArrowRight')
  await page.keyboard.press('ArrowDown')
  await expect(selectedItems(page)).toHaveText([/^Ellipse at 310, 101/])
  await page.keyboard.press('?')
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' })
  await expect(dialog).toBeVisible()
  await expect(dialog.getByRole('row', { name: /Sticky note/ })).toContainText('S')
  // Keys typed in the dialog stay there: "r" does not pick the rectangle.
  await page.keyboard.press('r')
  await expect(page.getByRole('button', { name: 'Rectangle' })).toHaveAttribute('aria-pressed', 'false')
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
  // Every tool has a shortcut: "d" picks the diamond.
  await page.locator('canvas.board-canvas').focus()
  await page.keyboard.press('d')
  await expect(page.getByRole('button', { name: 'Diamond' })).toHaveAttribute('aria-pressed', 'true')
  // Space and Enter still press a focused button.
  await page.getByRole('button', { name: 'Ellipse' }).focus()
  await page.keyboard.press(' ')
  await expect(page.getByRole('button', { name: 'Ellipse' })).toHaveAttribute('aria-pressed', 'true')
  await page.getByRole('button', { name: 'Line' }).focus()
  await page.keyboard.press('Enter')
  await expect(page.getByRole('button', { name: 'Line' })).toHaveAttribute('aria-pressed', 'true')
})

test('dark mode follows the system and can be toggled', async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: 'dark' })
  const page = await context.newPage()
  await alone(page)
  const boardPage = page.locator('.board-page')
  await expect(boardPage).toHaveAttribute('data-theme', 'dark')
  await page.getByRole('button', { name: 'Dark mode' }).click()
  await expect(boardPage).toHaveAttribute('data-theme', 'light')
  await page.reload()
  await expect(boardPage).toHaveAttribute('data-theme', 'light')
  await context.close()
})

const DOT_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAAEUlEQVR4nGP4z8DwHwyBDABF5AX7a8lC4QAAAABJRU5ErkJggg=='

test('images can be pasted or dropped, and pasted text becomes a text shape', async ({ page }) => {
  await alone(page)
  await page.evaluate((b64) => {
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0))
    const data = new DataTransfer()
    data.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }))
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }))
  }, DOT_PNG)
  await expect(shapeItems(page)).toHaveText([/^Image at/])
  const canvas = page.locator('canvas.board-canvas')
  const box = (await canvas.boundingBox())!
  await canvas.evaluate((el, [b64, x, y]) => {
    const bytes = Uint8Array.from(atob(b64 as string), c => c.charCodeAt(0))
    const data = new DataTransfer()
    data.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }))
    el.dispatchEvent(new DragEvent('drop', { dataTransfer: data, clientX: x as number, clientY: y as number, bubbles: true, cancelable: true }))
  }, [DOT_PNG, box.x + 300, box.y + 200])
  // Dropped images are centred where they land.
  await expect(shapeItems(page).nth(1)).toHaveText(/^Image at 299, 200, 2 × 1/)
  await page.evaluate(() => {
    const data = new DataTransfer()
    data.setData('text/plain', 'pasted words')
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }))
  })
  await expect(shapeItems(page).nth(2)).toHaveText(/^Text at .*: pasted words$/)
  // Something that is not an image is refused by the server with a message; nothing is added.
  await page.evaluate(() => {
    const data = new DataTransfer()
    data.items.add(new File(['<svg/>'], 'fake.png', { type: 'image/png' }))
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }))
  })
  await expect(page.getByRole('alert')).toContainText('not accepted')
  await expect(shapeItems(page)).toHaveCount(3)
})

test('two fingers on a touch screen pan and zoom instead of drawing', async ({ page }) => {
  await alone(page)
  await pickTool(page, 'Pen')
  const canvas = page.locator('canvas.board-canvas')
  await canvas.evaluate((el) => {
    const touch = (type: string, id: number, x: number, y: number) => el.dispatchEvent(new PointerEvent(type, {
      pointerId: id, pointerType: 'touch', clientX: x, clientY: y, button: 0, buttons: 1, isPrimary: id === 1, bubbles: true, cancelable: true
    }))
    const r = el.getBoundingClientRect()
    touch('pointerdown', 1, r.left + 300, r.top + 300)
    touch('pointerdown', 2, r.left + 400, r.top + 300)
    for (let i = 1; i <= 10; i++) touch('pointermove', 2, r.left + 400 + i * 10, r.top + 300)
    touch('pointerup', 2, r.left + 500, r.top + 300)
    touch('pointerup', 1, r.left + 300, r.top + 300)
  })
  // The fingers moved apart from 100 px to 200 px: twice the zoom, and no stroke drawn.
  await expect(page.getByRole('button', { name: 'Reset zoom' })).toHaveText('200%')
  await expect(shapeItems(page)).toHaveCount(0)
})

test('in dark mode images keep their own colours', async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: 'dark' })
  const page = await context.newPage()
  await alone(page)
  // Paste a white 40 x 40 image: it lands in the middle of the view.
  await page.evaluate(async () => {
    const c = document.createElement('canvas')
    c.width = 40
    c.height = 40
    const g = c.getContext('2d')!
    g.fillStyle = '#ffffff'
    g.fillRect(0, 0, 40, 40)
    const blob: Blob = await new Promise(resolve => c.toBlob(b => resolve(b!), 'image/png'))
    const data = new DataTransfer()
    data.items.add(new File([blob], 'white.png', { type: 'image/png' }))
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }))
  })
  await expect(shapeItems(page)).toHaveText([/^Image at/])
  // The theme inverts the whole canvas with CSS, so the image is drawn inverted underneath:
  // dark in the canvas's pixels, white on screen.
  const centre = () => page.evaluate(() => {
    const c = document.querySelector('canvas.board-canvas') as HTMLCanvasElement
    const d = c.getContext('2d')!.getImageData(Math.floor(c.width / 2), Math.floor(c.height / 2), 1, 1).data
    return d[0] + d[1] + d[2]
  })
  await expect.poll(centre).toBeLessThan(30)
  await page.getByRole('button', { name: 'Dark mode' }).click()
  await expect.poll(centre).toBeGreaterThan(740)
  await context.close()
})
