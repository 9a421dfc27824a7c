// The hand-drawn look and fonts: chosen from the style panel with the keyboard, stored in the
// document for the others, drawn the same on their canvas and in their exports, undoable.
import { test, expect, type Page } from '@playwright/test'
import { readFileSync } from 'node:fs'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import { shapeItems, draw, clickCanvas, pickTool, twoPeopleOnANewBoard, exportFile, storedShapes as storedOn } from './helpers'

let server: TestServer
test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

/** The board's shapes as stored on this spec's server. */
const storedShapes = async (url: string) => await storedOn(server.wsBase, url)
const exportSvg = async (page: Page) => readFileSync(await exportFile(page, 'SVG'), 'utf8')

/** Presses a style panel button with the keyboard (focus, then Enter). */
async function press (page: Page, name: string): Promise<void> {
  const button = page.getByRole('complementary', { name: 'Style' }).getByRole('button', { name, exact: true })
  await button.focus()
  await page.keyboard.press('Enter')
  await expect(button).toHaveAttribute('aria-pressed', 'true')
}

const canvasPixels = (page: Page) => page.locator('canvas.board-canvas').screenshot()

test('a hand-drawn rectangle and hand-written text reach the other person, their canvas and export, and undo', async ({ browser }) => {
  const { alice, bob, url } = await twoPeopleOnANewBoard(browser, server.url)
  // Bob hides cursors: his canvas then changes only with the board.
  await bob.getByRole('button', { name: 'Hide cursors' }).click()
  await draw(alice, 'Rectangle', 150, 150, 400, 300)
  await expect(shapeItems(bob)).toHaveText([/^Rectangle at/])
  const panel = alice.getByRole('complementary', { name: 'Style' })
  await expect(panel.getByRole('button', { name: 'Sloppiness Architect' })).toHaveAttribute('aria-pressed', 'true')
  // Nothing on the board uses the hand-writing face: Bob's page has not fetched it.
  expect(await bob.evaluate(() => document.fonts.check("20px 'Architects Daughter'"))).toBe(false)
  await expect.poll(async () => (await canvasPixels(bob)).length).toBeGreaterThan(0)
  const clean = await canvasPixels(bob)

  // Alice makes the selected rectangle cartoonist-rough, with the keyboard.
  await press(alice, 'Sloppiness Cartoonist')
  await expect.poll(async () => (await storedShapes(url))[0].sloppiness).toBe('cartoonist')
  await expect.poll(async () => (await canvasPixels(bob)).equals(clean)).toBe(false)

  // Bob selects it (Tab on the canvas): his panel shows its look.
  await bob.locator('canvas.board-canvas').focus()
  await bob.keyboard.press('Tab')
  const bobPanel = bob.getByRole('complementary', { name: 'Style' })
  await expect(bobPanel.getByRole('button', { name: 'Sloppiness Cartoonist' })).toHaveAttribute('aria-pressed', 'true')
  await expect(bobPanel.getByRole('button', { name: 'Sloppiness Architect' })).toHaveAttribute('aria-pressed', 'false')
  await bob.keyboard.press('Escape')

  // Hand-written text: the font chosen with the text tool, then typed.
  await pickTool(alice, 'Text')
  await press(alice, 'Font Hand-drawn')
  await clickCanvas(alice, 520, 420)
  const editor = alice.getByRole('textbox', { name: 'Text' })
  await expect(editor).toBeFocused()
  await expect(editor).toHaveCSS('font-family', /Architects Daughter/)
  await alice.keyboard.type('Hello sketch')
  await alice.keyboard.press('Control+Enter')
  await expect(shapeItems(bob)).toHaveText([/^Rectangle at/, /^Text at .*: Hello sketch$/])
  const text = (await storedShapes(url))[1]
  expect(text.fontFamily).toBe('hand')
  // Bob's page fetched the face to paint it.
  await expect.poll(() => bob.evaluate(() => document.fonts.check("20px 'Architects Daughter'"))).toBe(true)

  // Bob's export draws the same: the rough outline as curves, the text in the face it carries.
  const svg = await exportSvg(bob)
  expect(svg).not.toMatch(/<rect x="150"/)
  expect(svg).toMatch(/<path d="M[-\d. ]+ C[^"]+" fill="none" stroke="#1e1e1e"/)
  expect(svg).toContain("font-family=\"'Architects Daughter'")
  expect(svg).toContain('<style><![CDATA[@font-face{font-family:\'Architects Daughter\';src:url(data:font/woff2;base64,')
  // Alice's export has the very same outline: the lines are the shape's, not the browser's.
  const outline = (s: string) => /<path d="(M[^"]+)" fill="none"/.exec(s)?.[1]
  expect(outline(await exportSvg(alice))).toBe(outline(svg))

  // Undo takes the text back, then the rough look: Bob, with the rectangle selected, sees it
  // clean again; redo brings the rough lines back.
  await bob.locator('canvas.board-canvas').focus()
  await bob.keyboard.press('Tab')
  await alice.locator('canvas.board-canvas').focus()
  await alice.keyboard.press('Control+z')
  await expect(shapeItems(bob)).toHaveText([/^Rectangle at/])
  await alice.keyboard.press('Control+z')
  await expect(bobPanel.getByRole('button', { name: 'Sloppiness Architect' })).toHaveAttribute('aria-pressed', 'true')
  expect('sloppiness' in (await storedShapes(url))[0]).toBe(false)
  const undone = await canvasPixels(bob)
  await alice.keyboard.press('Control+Shift+z')
  await expect(bobPanel.getByRole('button', { name: 'Sloppiness Cartoonist' })).toHaveAttribute('aria-pressed', 'true')
  await expect.poll(async () => (await canvasPixels(bob)).equals(undone)).toBe(false)
})
