import { test, expect } from '@playwright/test'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import { draw, newBoard, failOnPageErrors, openPage } from './helpers'

let server: TestServer

test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

test('a title edited in place reaches the other person and names the tab', async ({ browser }) => {
  const alice = await (await browser.newContext()).newPage()
  failOnPageErrors(alice)
  const url = await newBoard(alice, server.url)
  const bob = await openPage(browser, url)
  const title = alice.getByRole('textbox', { name: 'Board title' })
  await expect(title).toHaveAttribute('placeholder', 'Untitled board')
  await title.fill('Sprint plan')
  await title.press('Enter')
  await expect(bob.getByRole('textbox', { name: 'Board title' })).toHaveValue('Sprint plan')
  await expect(bob).toHaveTitle('Sprint plan · Whiteboard')
})

test('the home page lists boards by title with a thumbnail, searches, removes and deletes', async ({ browser }) => {
  const context = await browser.newContext()
  const page = await context.newPage()
  failOnPageErrors(page)
  const names = ['Roadmap', 'Retro notes']
  const urls: string[] = []
  for (const name of names) {
    urls.push(await newBoard(page, server.url))
    await draw(page, 'Rectangle', 100, 100, 220, 180)
    const title = page.getByRole('textbox', { name: 'Board title' })
    await title.fill(name)
    await title.press('Enter')
    await expect(page).toHaveTitle(`${name} · Whiteboard`)
  }
  await page.goto(server.url)
  const list = page.getByRole('list', { name: 'Recent boards' })
  await expect(list.getByRole('link', { name: 'Retro notes' })).toBeVisible()
  await expect(list.getByRole('link', { name: 'Roadmap' })).toBeVisible()
  await expect(list.getByText(/^Changed /)).toHaveCount(2)
  // The thumbnail is the server's drawing of the board.
  const thumb = list.getByRole('link', { name: 'Roadmap' }).locator('img')
  await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0)

  await page.getByRole('searchbox', { name: 'Search boards by title' }).fill('retro')
  await expect(list.getByRole('link', { name: 'Roadmap' })).toBeHidden()
  await expect(list.getByRole('link', { name: 'Retro notes' })).toBeVisible()
  await page.getByRole('searchbox', { name: 'Search boards by title' }).fill('')

  await list.getByRole('button', { name: 'Remove Roadmap from this list' }).click()
  await expect(list.getByRole('link', { name: 'Roadmap' })).toHaveCount(0)
  await page.reload()
  await expect(list.getByRole('link', { name: 'Retro notes' })).toBeVisible()
  await expect(list.getByRole('link', { name: 'Roadmap' })).toHaveCount(0)

  // Someone else is on the board when its manager deletes it.
  const other = await openPage(browser, urls[1])
  page.once('dialog', dialog => dialog.accept())
  await list.getByRole('button', { name: 'Delete Retro notes for everyone' }).click()
  await expect(list.getByRole('link', { name: 'Retro notes' })).toHaveCount(0)
  await expect(other.getByRole('alert')).toContainText('This board was deleted')
  const answer = await page.request.get(urls[1])
  expect(answer.status()).toBe(404)
})
