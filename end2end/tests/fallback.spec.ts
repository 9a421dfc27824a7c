import { test, expect } from '@playwright/test'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import { draw, expectConnected, failOnPageErrors, newBoard, openPage, shapeItems } from './helpers'

// A network that blocks WebSockets: the board falls back to HTTP (long polls and posts of the
// same y-websocket messages), says so in its status, and people still draw together.

let server: TestServer
test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

test('with WebSockets refused, two people still draw together, one over HTTP', async ({ browser }) => {
  const alice = await (await browser.newContext()).newPage()
  failOnPageErrors(alice)
  const url = await newBoard(alice, server.url)
  await expect(alice.getByRole('status')).toHaveAttribute('data-transport', 'websocket')

  const bob = await (await browser.newContext()).newPage()
  failOnPageErrors(bob)
  // Every WebSocket Bob opens is closed before its first message, as a blocking proxy would.
  let refused = 0
  await bob.routeWebSocket(/\/ws\//, ws => { refused++; ws.close() })
  await bob.goto(url)
  await expectConnected(bob)
  await expect(bob.getByRole('status')).toHaveAttribute('data-transport', 'http')
  await expect(bob.getByRole('status')).toContainText('Live via HTTP')
  expect(refused).toBeGreaterThanOrEqual(2)

  await draw(alice, 'Rectangle', 100, 100, 300, 250)
  await expect(shapeItems(bob)).toHaveText([/^Rectangle at 100, 100, 200 × 150$/])
  await draw(bob, 'Ellipse', 350, 100, 450, 200)
  await expect(shapeItems(alice)).toHaveCount(2)
  await expect(shapeItems(alice).nth(1)).toHaveText(/^Ellipse at 350, 100/)
  // Presence crosses transports too: each sees the other in the list of the others.
  const bobName = await bob.getByPlaceholder('Your name').inputValue()
  await expect(alice.getByRole('list', { name: 'People on this board' }).getByTitle(`${bobName} (editing)`)).toBeVisible()
})

test('on HTTP, the board moves back to a WebSocket once one works again', async ({ browser }) => {
  const alice = await (await browser.newContext()).newPage()
  failOnPageErrors(alice)
  const url = await newBoard(alice, server.url)
  const bob = await (await browser.newContext()).newPage()
  failOnPageErrors(bob)
  let blocked = true
  await bob.routeWebSocket(/\/ws\//, ws => { if (blocked) ws.close(); else ws.connectToServer() })
  // The probe runs 30 s after falling back; the page's clock is sped up to get there.
  await bob.clock.install()
  await bob.goto(url)
  await expect(bob.getByRole('status')).toHaveAttribute('data-transport', 'http')
  await expectConnected(bob)
  blocked = false
  await bob.clock.runFor(31_000)
  await expect(bob.getByRole('status')).toHaveAttribute('data-transport', 'websocket')
  await expectConnected(bob)
  await draw(bob, 'Rectangle', 100, 100, 300, 250)
  await expect(shapeItems(alice)).toHaveCount(1)
})

test('a board opened normally keeps its WebSocket', async ({ browser }) => {
  const page = await openPage(browser, (await (async () => {
    const p = await (await browser.newContext()).newPage()
    const url = await newBoard(p, server.url)
    await p.close()
    return url
  })()))
  await expect(page.getByRole('status')).toHaveAttribute('data-transport', 'websocket')
  await expect(page.getByRole('status')).not.toContainText('HTTP')
})
