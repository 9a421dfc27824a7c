import { test, expect, type Locator, type Page } from '@playwright/test'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import { draw, failOnPageErrors, newBoard, shapeItems } from './helpers'

// The board page on phones: every control reachable without scrolling, at least 44 × 44 px,
// uncovered and not overlapping another; the style panel stays out of the way until opened.

let server: TestServer

test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

const SCREENS = [
  { name: 'portrait 390 × 844', width: 390, height: 844 },
  { name: 'portrait 320 × 640', width: 320, height: 640 },
  { name: 'portrait 430 × 932', width: 430, height: 932 },
  { name: 'landscape 844 × 390', width: 844, height: 390 },
  { name: 'landscape 568 × 320', width: 568, height: 320 }
]
const TAP = 44

interface Control { name: string, locator: Locator, small?: boolean }

/** The controls always on screen (the overflow menu's items are checked separately). */
async function barControls (page: Page): Promise<Control[]> {
  const controls: Control[] = [
    { name: 'Whiteboard (home link)', locator: page.getByRole('link', { name: 'Whiteboard' }) },
    { name: 'Share', locator: page.getByRole('button', { name: 'Share', exact: true }) },
    { name: 'Minimap', locator: page.locator('canvas.minimap') },
    // Not a control: it must be visible, but needs no tap size.
    { name: 'Status', locator: page.getByRole('status'), small: true }
  ]
  for (const bar of ['Tools', 'History', 'Zoom']) {
    const buttons = page.getByRole('toolbar', { name: bar }).getByRole('button')
    for (const name of await buttons.evaluateAll(els => els.map(el => el.getAttribute('aria-label') ?? ''))) {
      controls.push({ name: `${bar}: ${name}`, locator: page.getByRole('toolbar', { name: bar }).getByRole('button', { name, exact: true }) })
    }
  }
  for (const name of ['Style panel', 'More']) {
    const toggle = page.getByRole('button', { name, exact: true })
    if (await toggle.isVisible()) controls.push({ name, locator: toggle })
  }
  return controls
}

/** The overflow menu's controls; opens the menu when they are not on screen. */
async function menuControls (page: Page): Promise<Control[]> {
  const controls: Control[] = [
    { name: 'Your name', locator: page.getByRole('textbox', { name: 'Your name' }) },
    { name: 'Dark mode', locator: page.getByRole('button', { name: 'Dark mode' }) },
    { name: 'Keyboard shortcuts', locator: page.getByRole('button', { name: 'Keyboard shortcuts' }) }
  ]
  if (!(await onScreen(page, controls[0].locator))) {
    await page.getByRole('button', { name: 'More', exact: true }).tap()
  }
  return controls
}

async function onScreen (page: Page, locator: Locator): Promise<boolean> {
  // Hidden (a closed menu's items): not on screen, and not worth waiting for.
  if (!(await locator.isVisible())) return false
  const box = await locator.boundingBox()
  const view = page.viewportSize()!
  return box !== null && box.width > 0 && box.x >= -0.5 && box.y >= -0.5 &&
    box.x + box.width <= view.width + 0.5 && box.y + box.height <= view.height + 0.5
}

type Box = { x: number, y: number, width: number, height: number }

/** Visible, inside the viewport, large enough, and what a tap at its centre reaches. */
async function checkReachable (page: Page, controls: Control[]): Promise<Array<{ name: string, box: Box }>> {
  const boxes: Array<{ name: string, box: Box }> = []
  for (const { name, locator, small } of controls) {
    await expect.soft(locator, `${name} is visible`).toBeVisible()
    const box = await locator.boundingBox()
    if (!box) continue
    expect.soft(await onScreen(page, locator), `${name} lies inside the viewport (${JSON.stringify(box)})`).toBe(true)
    if (!small) {
      expect.soft(box.width, `${name} is at least ${TAP} px wide`).toBeGreaterThanOrEqual(TAP - 0.5)
      expect.soft(box.height, `${name} is at least ${TAP} px high`).toBeGreaterThanOrEqual(TAP - 0.5)
      const uncovered = await locator.evaluate(el => {
        const r = el.getBoundingClientRect()
        const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)
        return hit !== null && (hit === el || el.contains(hit))
      })
      expect.soft(uncovered, `a tap on the centre of ${name} reaches it`).toBe(true)
    }
    boxes.push({ name, box })
  }
  return boxes
}

function checkNoOverlap (boxes: Array<{ name: string, box: Box }>): void {
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i].box
      const b = boxes[j].box
      const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
      const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
      expect.soft(w > 0.5 && h > 0.5, `${boxes[i].name} and ${boxes[j].name} overlap`).toBe(false)
    }
  }
}

async function checkScreen (page: Page): Promise<void> {
  // Nothing to reach by a sideways swipe: the top bar does not scroll.
  const header = page.locator('header.topbar')
  expect.soft(await header.evaluate(el => el.scrollWidth - el.clientWidth), 'the top bar scrolls sideways').toBeLessThanOrEqual(0)
  const bar = await checkReachable(page, await barControls(page))
  checkNoOverlap(bar)
  const menu = await checkReachable(page, await menuControls(page))
  checkNoOverlap(menu)
}

for (const screen of SCREENS) {
  test.describe(screen.name, () => {
    test.use({ viewport: { width: screen.width, height: screen.height }, hasTouch: true, isMobile: true })

    test('every control is on screen, at least 44 px, uncovered and apart from the others', async ({ page }) => {
      failOnPageErrors(page)
      await newBoard(page, server.url)
      await checkScreen(page)
      // The menu's controls work from the menu, and a tap on the canvas closes it.
      const dark = page.getByRole('button', { name: 'Dark mode' })
      await dark.tap()
      await expect(dark).toHaveAttribute('aria-pressed', 'true')
      const more = page.getByRole('button', { name: 'More', exact: true })
      if (await more.isVisible()) {
        await page.locator('canvas.board-canvas').tap({ position: { x: 20, y: 60 } })
        await expect(page.getByRole('textbox', { name: 'Your name' })).toBeHidden()
        await expect(more).toHaveAttribute('aria-expanded', 'false')
      }

      // With a drawing tool, the style panel's toggle joins the top bar: still nothing overlaps.
      await page.getByRole('toolbar', { name: 'Tools' }).getByRole('button', { name: 'Rectangle', exact: true }).tap()
      await checkScreen(page)
    })

    test('the style panel stays closed over the canvas until opened, then covers no other control', async ({ page }) => {
      failOnPageErrors(page)
      await newBoard(page, server.url)
      const panel = page.getByRole('complementary', { name: 'Style' })
      const tools = page.getByRole('toolbar', { name: 'Tools' })
      await tools.getByRole('button', { name: 'Rectangle', exact: true }).tap()
      await expect(tools.getByRole('button', { name: 'Rectangle', exact: true })).toHaveAttribute('aria-pressed', 'true')
      await expect(panel).toBeHidden()

      const toggle = page.getByRole('button', { name: 'Style panel', exact: true })
      await toggle.tap()
      await expect(toggle).toHaveAttribute('aria-expanded', 'true')
      await expect(panel).toBeVisible()
      expect(await onScreen(page, panel), 'the style panel lies inside the viewport').toBe(true)
      const panelBox = (await panel.boundingBox())!
      const others = await checkReachable(page, await barControls(page))
      checkNoOverlap([{ name: 'Style panel', box: panelBox }, ...others.filter(o => o.name !== 'Style panel')])
      // Its own controls are large enough to tap, and they work.
      for (const name of ['Stroke red', 'No fill', 'Stroke width Bold', 'Dash Dotted']) {
        const button = panel.getByRole('button', { name, exact: true })
        await button.scrollIntoViewIfNeeded()
        const box = (await button.boundingBox())!
        expect.soft(box.width, `${name} is at least ${TAP} px wide`).toBeGreaterThanOrEqual(TAP - 0.5)
        expect.soft(box.height, `${name} is at least ${TAP} px high`).toBeGreaterThanOrEqual(TAP - 0.5)
      }
      await panel.getByRole('button', { name: 'Stroke red', exact: true }).tap()
      await expect(panel.getByRole('button', { name: 'Stroke red', exact: true })).toHaveAttribute('aria-pressed', 'true')
      await toggle.tap()
      await expect(panel).toBeHidden()

      // A drawn rectangle is selected; the panel stays closed until asked for, then acts on it.
      await draw(page, 'Rectangle', 40, 110, 140, 190)
      await expect(shapeItems(page)).toHaveCount(1)
      await expect(panel).toBeHidden()
      await toggle.tap()
      await panel.getByRole('button', { name: 'Duplicate', exact: true }).tap()
      await expect(shapeItems(page)).toHaveCount(2)
    })
  })
}

test.describe('desktop 1280 × 800', () => {
  test.use({ viewport: { width: 1280, height: 800 } })

  test('with three others on the board, every top-bar control is on screen and the bar does not scroll', async ({ browser, page }) => {
    failOnPageErrors(page)
    const url = await newBoard(page, server.url)
    const others: Page[] = []
    for (let i = 0; i < 3; i++) {
      const other = await (await browser.newContext()).newPage()
      await other.goto(url)
      others.push(other)
    }
    await expect(page.getByRole('list', { name: 'People on this board' }).getByRole('listitem')).toHaveCount(3)
    const header = page.locator('header.topbar')
    expect(await header.evaluate(el => el.scrollWidth - el.clientWidth), 'the top bar scrolls sideways').toBeLessThanOrEqual(0)
    const names = await header.getByRole('button').evaluateAll(els => els
      .filter(el => (el as HTMLElement).offsetParent !== null && !el.closest('.people'))
      .map(el => el.getAttribute('aria-label') ?? el.textContent ?? ''))
    expect(names).toContain('Keyboard shortcuts')
    for (const name of names) {
      const button = header.getByRole('button', { name, exact: true })
      expect.soft(await onScreen(page, button), `${name} lies inside the viewport`).toBe(true)
    }
    await Promise.all(others.map(o => o.context().close()))
  })
})
