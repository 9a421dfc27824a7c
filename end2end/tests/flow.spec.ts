import { test, expect } from '@playwright/test'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import { drag, draw, failOnPageErrors, newBoard, selectedItems, shapeItems } from './helpers'

let server: TestServer

test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

test('a board starts on Select; a drawn shape returns to Select, selected, and dragging its inside moves it', async ({ page }) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  const tool = (name: string) => page.getByRole('toolbar', { name: 'Tools' }).getByRole('button', { name, exact: true })
  await expect(tool('Select')).toHaveAttribute('aria-pressed', 'true')

  await draw(page, 'Rectangle', 100, 100, 300, 240)
  await expect(tool('Select')).toHaveAttribute('aria-pressed', 'true')
  await expect(selectedItems(page)).toHaveCount(1)
  // The middle of the hollow rectangle: it moves, no second rectangle is drawn.
  await drag(page, 200, 170, 400, 370)
  await expect(shapeItems(page)).toHaveText([/^Rectangle at 3\d\d, 3\d\d/])

  // Pen strokes keep the pen, for the next stroke.
  await draw(page, 'Pen', 500, 100, 600, 200)
  await expect(tool('Pen')).toHaveAttribute('aria-pressed', 'true')
})

test('the tool lock (its button, or Q) keeps the tool after drawing', async ({ page }) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  const tool = (name: string) => page.getByRole('toolbar', { name: 'Tools' }).getByRole('button', { name, exact: true })
  await tool('Lock tool').click()
  await expect(tool('Lock tool')).toHaveAttribute('aria-pressed', 'true')
  await draw(page, 'Ellipse', 100, 100, 200, 200)
  await drag(page, 300, 100, 400, 200)
  await expect(shapeItems(page)).toHaveText([/^Ellipse/, /^Ellipse/])
  await expect(tool('Ellipse')).toHaveAttribute('aria-pressed', 'true')

  await page.locator('canvas.board-canvas').focus()
  await page.keyboard.press('q')
  await expect(tool('Lock tool')).toHaveAttribute('aria-pressed', 'false')
  await drag(page, 500, 100, 600, 200)
  await expect(shapeItems(page)).toHaveCount(3)
  await expect(tool('Select')).toHaveAttribute('aria-pressed', 'true')
})
