import { test, expect } from '@playwright/test'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import { shapeItems, expectConnected, failOnPageErrors, draw, drag, newBoard, openPage, twoPeopleOnANewBoard } from './helpers'

let server: TestServer

test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

test('undo and redo take back only your own changes, for everyone', async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)
  await expect(alice.getByRole('button', { name: 'Undo' })).toBeDisabled()
  await expect(alice.getByRole('button', { name: 'Redo' })).toBeDisabled()

  await draw(alice, 'Rectangle', 100, 100, 260, 200)
  await expect(shapeItems(bob)).toHaveText([/^Rectangle/])
  await draw(bob, 'Ellipse', 400, 120, 520, 220)
  await expect(shapeItems(alice)).toHaveText([/^Rectangle/, /^Ellipse/])
  await expect(alice.getByRole('button', { name: 'Undo' })).toBeEnabled()

  await alice.keyboard.press('Control+z')
  await expect(shapeItems(alice)).toHaveText([/^Ellipse/])
  await expect(shapeItems(bob)).toHaveText([/^Ellipse/])
  await expect(alice.getByRole('button', { name: 'Undo' })).toBeDisabled()
  await expect(alice.getByRole('button', { name: 'Redo' })).toBeEnabled()

  await alice.keyboard.press('Control+Shift+Z')
  await expect(shapeItems(alice)).toHaveText([/^Rectangle/, /^Ellipse/])
  await expect(shapeItems(bob)).toHaveText([/^Rectangle/, /^Ellipse/])
  await expect(alice.getByRole('button', { name: 'Redo' })).toBeDisabled()
})

test('undo puts a moved shape back where it was, for the other person too', async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)

  await draw(alice, 'Rectangle', 100, 100, 200, 180)
  await expect(shapeItems(bob)).toHaveText([/^Rectangle at 1\d\d, 1\d\d/])
  const before = (await shapeItems(bob).first().textContent()) ?? ''

  await alice.getByRole('button', { name: 'Select', exact: true }).click()
  await drag(alice, 100, 140, 400, 340)
  await expect(shapeItems(bob).first()).toHaveText(/^Rectangle at [34]\d\d, [34]\d\d/)

  // One undo takes back the whole drag, not one step of it.
  await alice.getByRole('button', { name: 'Undo' }).click()
  await expect(shapeItems(bob).first()).toHaveText(before)
  await expect(shapeItems(alice).first()).toHaveText(before)
  await expect(shapeItems(bob)).toHaveCount(1)

  await alice.getByRole('button', { name: 'Redo' }).click()
  await expect(shapeItems(bob).first()).toHaveText(/^Rectangle at [34]\d\d, [34]\d\d/)
})
