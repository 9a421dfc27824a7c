import { test, expect } from '@playwright/test'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import { boardOf, shapeItems, expectConnected, failOnPageErrors, draw, clickCanvas, drag, newBoard, openPage, twoPeopleOnANewBoard } from './helpers'

let server: TestServer

test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

test('the home page creates a board, its edit link can be copied, and it is listed as recent', async ({ page, context }) => {
  failOnPageErrors(page)
  const url = await newBoard(page, server.url)
  const { id } = boardOf(url)
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url })
  await page.getByRole('button', { name: 'Share', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: 'Share this board' })
  await expect(dialog.getByRole('textbox', { name: 'Edit link' })).toHaveValue(url)
  await dialog.getByRole('button', { name: 'Copy edit link' }).click()
  await expect(dialog.getByRole('button', { name: 'Copy edit link' })).toHaveText('Copied')
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url)
  await page.goto(server.url)
  // Listed by its title ("Untitled board" until named), linking to the board.
  const recent = page.getByRole('list', { name: 'Recent boards' }).locator(`a[href*="${id}"]`)
  await expect(recent).toHaveAccessibleName('Untitled board')
  // The recent link opens the board with the key it was opened with.
  await recent.click()
  await expect(page).toHaveURL(url)
  await expectConnected(page)
})

test('two people draw on one board; reload and restart keep the drawing', async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)

  await draw(alice, 'Rectangle', 100, 100, 260, 200)
  await expect(shapeItems(alice)).toHaveCount(1)
  await expect(shapeItems(bob)).toHaveCount(1)
  await expect(shapeItems(bob).first()).toHaveText(/^Rectangle/)

  await draw(bob, 'Ellipse', 400, 120, 520, 220)
  await expect(shapeItems(alice)).toHaveText([/^Rectangle/, /^Ellipse/])

  await bob.reload()
  await expectConnected(bob)
  await expect(shapeItems(bob)).toHaveText([/^Rectangle/, /^Ellipse/])

  // Crash the server: everything either person saw must come back.
  await server.restart({ crash: true })
  await expectConnected(alice)
  await expectConnected(bob)
  await bob.reload()
  await expectConnected(bob)
  await expect(shapeItems(bob)).toHaveText([/^Rectangle/, /^Ellipse/])
})

test('edits made while disconnected reach the others after reconnection', async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)

  await server.stop()
  await expect(alice.getByRole('status')).toHaveAttribute('data-status', /reconnecting|offline/)
  await draw(alice, 'Pen', 150, 300, 350, 380)
  await expect(shapeItems(alice)).toHaveText([/^Pen stroke/])

  await server.spawn()
  await expectConnected(alice)
  await expectConnected(bob)
  await expect(shapeItems(bob)).toHaveText([/^Pen stroke/])
})

test('select, move and delete a shape; the other person sees it', async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)

  await draw(alice, 'Rectangle', 100, 100, 200, 180)
  await expect(shapeItems(bob)).toHaveText([/^Rectangle at 1\d\d, 1\d\d/])
  const before = await shapeItems(bob).first().textContent()

  await alice.getByRole('button', { name: 'Select', exact: true }).click()
  await drag(alice, 100, 140, 400, 340)
  await expect(shapeItems(bob).first()).not.toHaveText(before ?? '')
  await expect(shapeItems(bob).first()).toHaveText(/^Rectangle at [34]\d\d, [34]\d\d/)

  await clickCanvas(alice, 400, 340)
  await alice.keyboard.press('Delete')
  await expect(shapeItems(alice)).toHaveCount(0)
  await expect(shapeItems(bob)).toHaveCount(0)
})

test('people see each other on the board', async ({ browser }) => {
  const alice = await (await browser.newContext()).newPage()
  failOnPageErrors(alice)
  const url = await newBoard(alice, server.url)
  await alice.getByPlaceholder('Your name').fill('Alice')
  const bob = await openPage(browser, url)
  const people = bob.getByRole('list', { name: 'People on this board' })
  await expect(people.getByTitle('Alice')).toBeVisible()
  await alice.close()
  await expect(people.getByTitle('Alice')).toHaveCount(0, { timeout: 35_000 })
})

test('newcomers get friendly names, shown to others as two initials', async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)
  const aliceName = await alice.getByPlaceholder('Your name').inputValue()
  const bobName = await bob.getByPlaceholder('Your name').inputValue()
  for (const name of [aliceName, bobName]) expect(name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/)
  const avatar = bob.getByRole('list', { name: 'People on this board' }).getByTitle(aliceName)
  await expect(avatar).toHaveText(aliceName.split(' ').map(word => word[0]).join(''))
})

