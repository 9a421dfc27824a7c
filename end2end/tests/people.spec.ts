import { test, expect, type Page } from '@playwright/test'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import { draw, expectConnected, failOnPageErrors, newBoard, openPage, shapeItems, twoPeopleOnANewBoard } from './helpers'

// Presence people can use: who is here and with which link, what they select, following
// someone's view, and hiding the others' cursors.

let server: TestServer
test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

const people = (page: Page) => page.getByRole('list', { name: 'People on this board' })
const zoomLevel = (page: Page) => page.getByRole('button', { name: 'Reset zoom' })

test('the people list shows roles and who follows whom; following tracks a view until Esc', async ({ browser }) => {
  const alice = await (await browser.newContext()).newPage()
  failOnPageErrors(alice)
  await newBoard(alice, server.url)
  await alice.getByPlaceholder('Your name').fill('Alice')
  await alice.getByRole('button', { name: 'Share', exact: true }).click()
  const viewUrl = await alice.getByRole('textbox', { name: 'View link' }).inputValue()
  await alice.getByRole('dialog').getByRole('button', { name: 'Close' }).click()
  const bob = await openPage(browser, viewUrl)
  await bob.getByPlaceholder('Your name').fill('Bob')
  await expect(people(alice).getByTitle('Bob (viewing)')).toBeVisible()
  await expect(people(bob).getByTitle('Alice (editing)')).toBeVisible()

  // What Alice selects is named in Bob's shape list (and outlined on his canvas).
  await draw(alice, 'Rectangle', 100, 100, 300, 250)
  await expect(shapeItems(bob)).toHaveText([/^Rectangle at 100, 100, 200 × 150$/])
  await expect(shapeItems(bob).first()).toHaveAttribute('aria-description', 'selected by Alice')

  await people(bob).getByRole('button', { name: 'Follow Alice' }).click()
  await expect(bob.getByText('Following Alice')).toBeVisible()
  await expect(people(alice).getByTitle('Bob (viewing), following you')).toBeVisible()
  await alice.locator('canvas.board-canvas').focus()
  await alice.keyboard.press('Control+=')
  await alice.keyboard.press('Control+=')
  await expect(zoomLevel(alice)).not.toHaveText('100%')
  await expect(zoomLevel(bob)).toHaveText(await zoomLevel(alice).innerText())

  // Esc stops following: Alice's next zoom leaves Bob's view where it is.
  await bob.locator('canvas.board-canvas').focus()
  await bob.keyboard.press('Escape')
  await expect(bob.getByText('Following Alice')).toBeHidden()
  const kept = await zoomLevel(bob).innerText()
  await alice.keyboard.press('Control+-')
  await expect(zoomLevel(alice)).not.toHaveText(kept)
  await expect(people(alice).getByTitle('Bob (viewing)', { exact: true })).toBeVisible()
  await expect(zoomLevel(bob)).toHaveText(kept)
})

test("others' cursors can be hidden and shown again", async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)
  const box = (await bob.locator('canvas.board-canvas').boundingBox())!
  const region = { x: box.x + 300, y: box.y + 300, width: 160, height: 50 }
  const look = async () => await bob.screenshot({ clip: region })
  // Alice's pointer has not been on her canvas yet: Bob sees no cursor there.
  const empty = await look()
  const aliceBox = (await alice.locator('canvas.board-canvas').boundingBox())!
  await alice.mouse.move(aliceBox.x + 310, aliceBox.y + 310)
  await alice.mouse.move(aliceBox.x + 320, aliceBox.y + 315)
  await expect.poll(async () => (await look()).equals(empty)).toBe(false)
  const hide = bob.getByRole('button', { name: 'Hide cursors' })
  await hide.click()
  await expect(hide).toHaveAttribute('aria-pressed', 'true')
  await expect.poll(async () => (await look()).equals(empty)).toBe(true)
  await hide.click()
  await expect(hide).toHaveAttribute('aria-pressed', 'false')
  await expect.poll(async () => (await look()).equals(empty)).toBe(false)
})

test('a name is asked on the first board only, and remembered', async ({ browser }) => {
  const context = await browser.newContext()
  const page = await context.newPage()
  failOnPageErrors(page)
  const url = await newBoard(page, server.url)
  const prompt = page.getByRole('region', { name: 'What should others call you?' })
  const field = prompt.getByRole('textbox', { name: 'Name shown to others' })
  // A friendly suggestion is already there.
  await expect(field).toHaveValue(/^[A-Z][a-z]+ [A-Z][a-z]+$/)
  await field.fill('Zoe')
  await field.press('Enter')
  await expect(prompt).toBeHidden()
  await expect(page.getByPlaceholder('Your name')).toHaveValue('Zoe')

  await page.reload()
  await expect(page.getByPlaceholder('Your name')).toHaveValue('Zoe')
  await expect(prompt).toBeHidden()
  await newBoard(page, server.url)
  await expect(prompt).toBeHidden()
  await expect(page.getByPlaceholder('Your name')).toHaveValue('Zoe')
  expect(url).not.toEqual(page.url())
})

test('drawing right away keeps the suggested name and stops asking', async ({ browser }) => {
  const context = await browser.newContext()
  const page = await context.newPage()
  failOnPageErrors(page)
  await newBoard(page, server.url)
  const prompt = page.getByRole('region', { name: 'What should others call you?' })
  await expect(prompt).toBeVisible()
  const suggested = await prompt.getByRole('textbox').inputValue()
  await draw(page, 'Rectangle', 100, 100, 300, 250)
  await expect(prompt).toBeHidden()
  await page.reload()
  await expectConnected(page)
  await expect(prompt).toBeHidden()
  await expect(page.getByPlaceholder('Your name')).toHaveValue(suggested)
})
