import { test, expect } from '@playwright/test'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import { drag, draw, failOnPageErrors, newBoard, pickTool, shapeItems } from './helpers'

// Grab what you see: the inside of a hollow shape selects and moves it, unless another shape is
// hit there; and the site has its icon (no 404 on a page load).

let server: TestServer
test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

test('dragging the inside of a hollow rectangle moves it', async ({ page }) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  await draw(page, 'Rectangle', 100, 100, 300, 250)
  await pickTool(page, 'Select')
  await page.keyboard.press('Escape')
  await drag(page, 200, 175, 260, 215)
  await expect(shapeItems(page)).toHaveText([/^Rectangle at 160, 140, 200 × 150$/])
})

test('inside a hollow rectangle, a shape drawn there is still the one grabbed', async ({ page }) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  // A small filled note inside, then a large hollow frame drawn over it.
  await draw(page, 'Sticky note', 150, 150, 230, 210)
  await draw(page, 'Rectangle', 100, 100, 400, 300)
  await pickTool(page, 'Select')
  await page.keyboard.press('Escape')
  await drag(page, 190, 180, 190, 240)
  await expect(shapeItems(page).filter({ hasText: /^Sticky note/ })).toHaveText([/^Sticky note at 150, 210/])
  await expect(shapeItems(page).filter({ hasText: /^Rectangle/ })).toHaveText([/^Rectangle at 100, 100, 300 × 200$/])
})

test('a page load asks for nothing that is missing, the icon included', async ({ page }) => {
  failOnPageErrors(page)
  const failed: string[] = []
  page.on('response', response => { if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`) })
  await newBoard(page, server.url)
  await page.reload()
  await expect(page.getByRole('status')).toHaveAttribute('data-status', 'connected')
  const icon = await page.request.get(`${server.url}/favicon.svg`)
  expect(icon.status()).toBe(200)
  expect(icon.headers()['content-type']).toContain('image/svg+xml')
  expect(failed).toEqual([])
})
