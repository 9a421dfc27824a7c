import { test, expect } from '@playwright/test'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import { draw, failOnPageErrors, newBoard, shapeItems } from './helpers'

let server: TestServer

test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

test('pages send a Content-Security-Policy whose nonce lets the board run, and nothing breaks under it', async ({ page }) => {
  failOnPageErrors(page)
  const violations: string[] = []
  page.on('console', msg => {
    if (/Content.Security.Policy/i.test(msg.text())) violations.push(msg.text())
  })
  const response = await page.goto(server.url)
  const headers = response!.headers()
  const csp = headers['content-security-policy']
  expect(csp).toContain("frame-ancestors 'none'")
  expect(csp).toContain("object-src 'none'")
  const nonce = /'nonce-([^']+)'/.exec(csp)![1]
  expect(await response!.text()).toContain(`nonce="${nonce}"`)
  expect(headers['referrer-policy']).toBe('same-origin')
  expect(headers['x-content-type-options']).toBe('nosniff')

  // Under that policy the board hydrates, connects and draws.
  await newBoard(page, server.url)
  await draw(page, 'Rectangle', 100, 100, 240, 200)
  await expect(shapeItems(page)).toHaveCount(1)

  // Each answer has a nonce of its own; answers that are not pages run nothing.
  const again = await page.request.get(server.url)
  expect(again.headers()['content-security-policy']).not.toBe(csp)
  const health = await page.request.get(`${server.url}/healthz`)
  expect(health.headers()['content-security-policy']).toContain("default-src 'none'")
  expect(violations).toEqual([])
})
