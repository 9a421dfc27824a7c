import { test, expect } from '@playwright/test'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import { shapeItems, expectConnected, failOnPageErrors, draw } from './helpers'

let server: TestServer
test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

test('the browser app and an official y-websocket client share a board', async ({ page }) => {
  failOnPageErrors(page)
  const board = 'interop-' + Date.now()
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(server.wsBase, board, doc, { WebSocketPolyfill: WebSocket as any, disableBc: true })
  try {
    await expect.poll(() => provider.synced).toBe(true)
    const shapes = doc.getMap('shapes')
    const rect = new Y.Map<unknown>()
    for (const [k, v] of Object.entries({ type: 'rect', x: 40, y: 40, w: 120, h: 80, stroke: '#1971c2', strokeWidth: 3, index: 'a0' })) rect.set(k, v)
    shapes.set('from-node', rect)

    await page.goto(`${server.url}/b/${board}`)
    await expectConnected(page)
    await expect(shapeItems(page)).toHaveText([/^Rectangle at 40, 40/])

    await draw(page, 'Ellipse', 300, 200, 420, 300)
    await expect.poll(() => [...shapes.values()].map(m => (m as Y.Map<unknown>).get('type')).sort()).toEqual(['ellipse', 'rect'])
  } finally {
    provider.destroy()
    doc.destroy()
  }
})
