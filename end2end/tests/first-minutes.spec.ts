import { test, expect, type Page } from '@playwright/test'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import {
  clickCanvas, draw, drag, failOnPageErrors, labels, newBoard, pickTool, selectedItems, shapeItems,
  twoPeopleOnANewBoard
} from './helpers'

// What a newcomer meets in the first minutes: labels inside shapes, typing others see, the
// wheel, zoom to fit, honest panels, dark mode, the minimap and pastes, keyboard details.

let server: TestServer

test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

const tool = (page: Page, name: string) =>
  page.getByRole('toolbar', { name: 'Tools' }).getByRole('button', { name, exact: true })

test('a double-click inside a shape edits its label, which the other person sees as it is typed', async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)
  await draw(alice, 'Rectangle', 100, 100, 300, 220)
  // The middle of a hollow rectangle.
  await alice.locator('canvas.board-canvas').dblclick({ position: { x: 200, y: 160 } })
  const editor = alice.getByRole('textbox', { name: 'Text' })
  await expect(editor).toBeFocused()
  // Letters that are shortcuts elsewhere (r, e, t, h) only type.
  await alice.keyboard.type('Hello there')
  await expect(tool(alice, 'Select')).toHaveAttribute('aria-pressed', 'true')
  // Bob sees the words before Alice is done, and who is typing.
  await expect(shapeItems(bob)).toHaveText([/^Rectangle at 100, 100, 200 × 120: Hello there \(.+ is typing\)$/])
  await expect(editor).toBeFocused()
  await alice.keyboard.press('Escape')
  await expect(shapeItems(bob)).toHaveText([/^Rectangle at 100, 100, 200 × 120: Hello there$/])
  // Enter on the selected shape edits the label again; the label moves with the shape.
  await alice.keyboard.press('Enter')
  await expect(editor).toBeFocused()
  await alice.keyboard.press('End')
  await alice.keyboard.type('!')
  await alice.keyboard.press('Escape')
  await drag(alice, 200, 100, 400, 300)
  await expect(shapeItems(bob)).toHaveText([/^Rectangle at 300, 300, 200 × 120: Hello there!$/])
  // Undo takes the whole edit back in one step.
  await alice.keyboard.press('Control+z')
  await alice.keyboard.press('Control+z')
  await expect(shapeItems(bob)).toHaveText([/^Rectangle at 100, 100, 200 × 120: Hello there$/])
})

test('a new sticky note shows as being written until its writer is done', async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)
  await pickTool(alice, 'Sticky note')
  await clickCanvas(alice, 300, 300)
  await expect(alice.getByRole('textbox', { name: 'Text' })).toBeFocused()
  await expect(shapeItems(bob)).toHaveText([/^Sticky note at [^:]+ \(.+ is typing\)$/])
  await alice.keyboard.type('Plan the week')
  await expect(shapeItems(bob)).toHaveText([/^Sticky note at .*: Plan the week \(.+ is typing\)$/])
  await alice.keyboard.press('Escape')
  await expect(shapeItems(bob)).toHaveText([/^Sticky note at .*: Plan the week$/])
})

test('Ctrl+wheel zooms about 10 % a notch; the plain wheel scrolls', async ({ page }) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  await draw(page, 'Rectangle', 300, 300, 400, 400)
  await clickCanvas(page, 800, 600)
  await expect(selectedItems(page)).toHaveCount(0)
  const box = (await page.locator('canvas.board-canvas').boundingBox())!
  await page.mouse.move(box.x + 600, box.y + 400)
  await page.mouse.wheel(0, 200)
  const zoom = page.getByRole('button', { name: 'Reset zoom' })
  await expect(zoom).toHaveText('100%')
  // The view scrolled by 200 px: the rectangle's top edge is now at y = 100.
  await clickCanvas(page, 350, 100)
  await expect(selectedItems(page)).toHaveCount(1)
  await page.mouse.move(box.x + 600, box.y + 400)
  await page.keyboard.down('Control')
  await page.mouse.wheel(0, -100)
  await page.keyboard.up('Control')
  await expect(zoom).toHaveText('111%')
})

test('Zoom to fit fits the selection, Shift+1 everything and Shift+2 the selection', async ({ page }) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  const fit = page.getByRole('button', { name: 'Zoom to fit' })
  await expect(fit).toHaveAttribute('title', /selection.*Shift\+1.*Shift\+2/)
  await draw(page, 'Rectangle', 100, 100, 200, 200)
  // Scroll far away and draw another: everything no longer fits at 100 %.
  const box = (await page.locator('canvas.board-canvas').boundingBox())!
  await page.mouse.move(box.x + 600, box.y + 400)
  await page.mouse.wheel(1500, 1500)
  await draw(page, 'Rectangle', 100, 100, 200, 200)
  const zoom = page.getByRole('button', { name: 'Reset zoom' })
  await page.keyboard.press('Shift+1')
  await expect(zoom).not.toHaveText('100%')
  const all = await zoom.innerText()
  // The second rectangle is still selected: Shift+2 and the button fit it alone.
  await expect(selectedItems(page)).toHaveCount(1)
  await page.keyboard.press('Shift+2')
  await expect(zoom).toHaveText('100%')
  await page.keyboard.press('Shift+1')
  await expect(zoom).toHaveText(all)
  await fit.click()
  await expect(zoom).toHaveText('100%')
  await page.keyboard.press('Escape')
  await fit.click()
  await expect(zoom).toHaveText(all)
  await page.keyboard.press('?')
  await expect(page.getByRole('dialog')).toContainText('Zoom to fit the selection')
})

test('the style panel marks mixed values, shows font sizes only with text, and keeps its rows whole', async ({ page }) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  const panel = page.getByRole('complementary', { name: 'Style' })
  await draw(page, 'Rectangle', 100, 100, 200, 200)
  await panel.getByRole('button', { name: 'Stroke red' }).click()
  await draw(page, 'Ellipse', 300, 100, 400, 200)
  await panel.getByRole('button', { name: 'Stroke blue' }).click()
  await expect(panel.getByRole('group', { name: 'Font size' })).toHaveCount(0)
  await page.locator('canvas.board-canvas').focus()
  await page.keyboard.press('Control+a')
  await expect(selectedItems(page)).toHaveCount(2)
  const stroke = panel.getByRole('group', { name: 'Stroke', exact: true })
  await expect(stroke).toContainText('Mixed')
  await expect(stroke.locator('[aria-pressed="true"]')).toHaveCount(0)
  await expect(panel.getByRole('group', { name: 'Fill' })).not.toContainText('Mixed')
  // Every button of a row on one line.
  for (const name of ['Fill', 'Align', 'Stroke']) {
    const tops = await panel.getByRole('group', { name, exact: true }).getByRole('button')
      .evaluateAll(buttons => buttons.map(b => Math.round(b.getBoundingClientRect().top)))
    expect(new Set(tops).size, `${name} row`).toBe(1)
  }
  await expect(panel.getByRole('button', { name: 'Stroke width Bold' })).toHaveAttribute('title', 'Bold')
  // With text, the font size shows, its largest size read as XL.
  await pickTool(page, 'Text')
  await expect(panel.getByRole('button', { name: 'Font size Extra large' })).toHaveText('XL')
  // The status keeps one width whatever it says ("Reconnecting…" does not move the bar). At
  // this width it shows only its dot, and tells its label as a tooltip.
  const status = page.getByRole('status')
  await expect(status).toHaveAttribute('title', 'Connected')
  const width = () => status.evaluate(el => el.getBoundingClientRect().width)
  const connected = await width()
  await status.evaluate(el => { el.append('Reconnecting… 3 changes saved only on this device') })
  expect(await width()).toBe(connected)
})

test('dark mode: the home page follows the system, and swatches show the colours the canvas draws', async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: 'dark' })
  const page = await context.newPage()
  failOnPageErrors(page)
  await page.goto(server.url)
  await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(18, 18, 18)')
  await page.getByRole('button', { name: 'New board' }).click()
  await expect(page.locator('.board-page')).toHaveAttribute('data-theme', 'dark')
  await pickTool(page, 'Rectangle')
  const black = page.getByRole('button', { name: 'Stroke black' })
  // Shapes stroked "black" are drawn near-white on the dark canvas: so is their swatch.
  const shown = await black.evaluate(el => {
    const canvas = document.createElement('canvas')
    canvas.width = canvas.height = 1
    const ctx = canvas.getContext('2d')!
    const before = getComputedStyle(el, '::before')
    ctx.filter = before.filter
    ctx.fillStyle = before.backgroundColor
    ctx.fillRect(0, 0, 1, 1)
    return Array.from(ctx.getImageData(0, 0, 1, 1).data.slice(0, 3))
  })
  expect(Math.min(...shown)).toBeGreaterThan(180)
  await context.close()
})

/** Pixels of the minimap matching `test`, counted in the page. */
async function minimapPixels (page: Page, test: string): Promise<number> {
  return await page.locator('canvas.minimap').evaluate((el, body) => {
    const c = el as HTMLCanvasElement
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
    const match = new Function('r', 'g', 'b', 'a', `return ${body}`) as (r: number, g: number, b: number, a: number) => boolean
    let n = 0
    for (let i = 0; i < data.length; i += 4) if (match(data[i], data[i + 1], data[i + 2], data[i + 3])) n++
    return n
  }, test)
}

test('the minimap draws shapes in their colours, and pastes in a row do not pile up', async ({ page }) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  await pickTool(page, 'Sticky note')
  await clickCanvas(page, 300, 300)
  await page.keyboard.type('Note')
  await page.keyboard.press('Escape')
  await draw(page, 'Rectangle', 500, 200, 700, 400)
  await page.getByRole('complementary', { name: 'Style' }).getByRole('button', { name: 'Stroke red' }).click()
  // The note's paper is yellow and the rectangle's outline red on the minimap.
  await expect.poll(() => minimapPixels(page, 'a > 200 && r > 230 && g > 200 && b < 170')).toBeGreaterThan(20)
  await expect.poll(() => minimapPixels(page, 'a > 200 && r > 180 && g < 90 && b < 90')).toBeGreaterThan(10)
  const paste = () => page.evaluate(() => {
    const data = new DataTransfer()
    data.setData('text/plain', 'pasted')
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }))
  })
  await paste()
  await paste()
  await expect(shapeItems(page)).toHaveCount(4)
  const [a, b] = (await labels(page)).slice(2)
  expect(b.x - a.x).toBeGreaterThan(10)
  expect(b.y - a.y).toBeGreaterThan(10)
})

test('keyboard: a focused canvas shows focus; one opacity adjustment with arrow keys is one undo step', async ({ page }) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  await draw(page, 'Rectangle', 100, 100, 300, 300)
  await page.keyboard.press('Escape')
  const canvas = page.locator('canvas.board-canvas')
  // Reached by keyboard: from the last control before it, Tab.
  await page.getByRole('button', { name: 'Keyboard shortcuts' }).focus()
  for (let i = 0; i < 10 && !(await canvas.evaluate(el => el === document.activeElement)); i++) {
    await page.keyboard.press('Tab')
  }
  await expect(canvas).toBeFocused()
  await expect(canvas).toHaveCSS('outline-style', 'solid')
  await page.keyboard.press('Tab')
  await expect(selectedItems(page)).toHaveCount(1)
  const slider = page.getByRole('complementary', { name: 'Style' }).getByRole('slider', { name: 'Opacity' })
  await slider.focus()
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowLeft')
  await expect(slider).toHaveValue('70')
  await page.getByRole('button', { name: 'Undo' }).click()
  await expect(slider).toHaveValue('100')
  await expect(shapeItems(page)).toHaveCount(1)
})
