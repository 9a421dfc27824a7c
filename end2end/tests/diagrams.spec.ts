import { test, expect, type Page } from '@playwright/test'
// @ts-ignore: plain ESM helper shared with the Node interop tests
import { TestServer } from '../support/server.mjs'
import { clickCanvas, drag, draw, failOnPageErrors, newBoard, selectedItems, shapeItems, twoPeopleOnANewBoard, pasteText } from './helpers'

// Diagramming on the board: find, flowchart keys, locked shapes and links.

let server: TestServer
test.beforeAll(async () => { server = await TestServer.start() })
test.afterAll(async () => { await server?.dispose() })

const paste = pasteText

/** The canvas's middle, relative to the canvas. */
async function middle (page: Page): Promise<{ x: number, y: number }> {
  const box = await page.locator('canvas.board-canvas').boundingBox()
  if (!box) throw new Error('no canvas')
  return { x: box.width / 2, y: box.height / 2 }
}

test('Ctrl+F finds text in reading order, steps with Enter and Shift+Enter, and brings each match into view', async ({ page }) => {
  failOnPageErrors(page)
  await newBoard(page, server.url)
  await paste(page, 'graph LR\n  A[Alpha one] --> B[Beta]\n  B --> C[alpha two]\n')
  await expect(shapeItems(page).filter({ hasText: /^Rectangle/ })).toHaveCount(3)
  // Pan far away, so the matches are out of sight.
  await page.keyboard.press('Escape')
  await page.locator('canvas.board-canvas').focus()
  for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowDown')

  await page.keyboard.press('Control+f')
  const field = page.getByRole('searchbox', { name: 'Find text on the board' })
  await expect(field).toBeFocused()
  await field.fill('ALPHA')
  const count = page.getByRole('search', { name: 'Find on board' }).locator('.find-count')
  await expect(count).toHaveText('1 of 2')
  await expect(selectedItems(page)).toHaveText([/^Rectangle.*: Alpha one$/])
  await field.press('Enter')
  await expect(count).toHaveText('2 of 2')
  await expect(selectedItems(page)).toHaveText([/^Rectangle.*: alpha two$/])
  await field.press('Enter')
  await expect(count).toHaveText('1 of 2')
  await field.press('Shift+Enter')
  await expect(count).toHaveText('2 of 2')

  // The view jumped to the match: it sits in the middle of the canvas.
  await field.press('Escape')
  await expect(page.getByRole('search', { name: 'Find on board' })).toBeHidden()
  await expect(page.locator('canvas.board-canvas')).toBeFocused()
  await page.keyboard.press('Escape')
  await expect(selectedItems(page)).toHaveCount(0)
  const m = await middle(page)
  await clickCanvas(page, m.x, m.y)
  await expect(selectedItems(page)).toHaveText([/^Rectangle.*: alpha two$/])

  await page.keyboard.press('Control+f')
  await expect(field).toBeFocused()
  await field.fill('gamma')
  await expect(count).toHaveText('No results')
})

test('Ctrl+Arrow adds a connected copy; holding Ctrl branches; both people see it; one undo per node', async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)
  await draw(alice, 'Rectangle', 100, 100, 220, 160)
  await expect(selectedItems(alice)).toHaveText([/^Rectangle at 100, 100, 120 × 60$/])
  await alice.locator('canvas.board-canvas').focus()
  await alice.keyboard.down('Control')
  await alice.keyboard.press('ArrowRight')
  await alice.keyboard.press('ArrowRight')
  // While Ctrl is held the source stays selected, so the second press branched.
  await expect(selectedItems(alice)).toHaveText([/^Rectangle at 100, 100/])
  await alice.keyboard.up('Control')
  await expect(selectedItems(alice)).toHaveText([/^Rectangle at 320, 210, 120 × 60$/])
  // From the node made last, the chain goes on.
  await alice.keyboard.press('Control+ArrowDown')
  const rects = [/^Rectangle at 100, 100, 120 × 60$/, /^Rectangle at 320, 100, 120 × 60$/,
    /^Rectangle at 320, 210, 120 × 60$/, /^Rectangle at 320, 370, 120 × 60$/]
  for (const page of [alice, bob]) {
    await expect(shapeItems(page).filter({ hasText: /^Rectangle/ })).toHaveText(rects)
    await expect(shapeItems(page).filter({ hasText: /^Arrow/ })).toHaveCount(3)
  }
  // The arrows are bound: moving the first node drags the ends of its two arrows along.
  const before = await shapeItems(bob).filter({ hasText: /^Arrow/ }).allTextContents()
  await alice.keyboard.press('Escape')
  await clickCanvas(alice, 160, 130)
  await alice.keyboard.press('Shift+ArrowUp')
  await expect(shapeItems(bob).filter({ hasText: /^Rectangle/ }).first()).toHaveText(/^Rectangle at 100, 90,/)
  await expect.poll(async () => {
    const after = await shapeItems(bob).filter({ hasText: /^Arrow/ }).allTextContents()
    return after.filter((label, i) => label !== before[i]).length
  }).toBe(2)
  // Undo takes back the nudge, then the last node with its arrow in one step.
  await alice.keyboard.press('Control+z')
  await alice.keyboard.press('Control+z')
  await expect(shapeItems(bob).filter({ hasText: /^Rectangle/ })).toHaveCount(3)
  await expect(shapeItems(bob).filter({ hasText: /^Arrow/ })).toHaveCount(2)
})

/** How dark the canvas is around a point (0: background only, up to 255), over a 3 × 3 patch. */
async function inkAt (page: Page, x: number, y: number): Promise<number> {
  return await page.locator('canvas.board-canvas').evaluate((el, [x, y]) => {
    const c = el as HTMLCanvasElement
    const dpr = c.width / c.getBoundingClientRect().width
    const data = c.getContext('2d')!.getImageData(Math.round((x - 1) * dpr), Math.round((y - 1) * dpr), 3, 3).data
    let ink = 0
    for (let i = 0; i < data.length; i += 4) ink = Math.max(ink, 255 - Math.min(data[i], data[i + 1], data[i + 2]))
    return ink
  }, [x, y])
}

/** The frame items of the shape list, each with the labels of the shapes listed inside it. */
async function frames (page: Page): Promise<Array<{ label: string, children: string[] }>> {
  return await page.getByRole('list', { name: 'Shapes' }).evaluate(list =>
    Array.from(list.querySelectorAll(':scope > li'))
      .filter(li => li.querySelector(':scope > ul') !== null)
      .map(li => ({
        label: li.querySelector(':scope > span')?.textContent ?? '',
        children: Array.from(li.querySelectorAll(':scope > ul > li')).map(c => c.textContent ?? '')
      })))
}

test('a frame takes in what it is drawn around and what is dropped into it, moves it, clips it, and is renamed in place', async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)
  await draw(alice, 'Rectangle', 150, 150, 250, 250)
  await draw(alice, 'Ellipse', 600, 150, 700, 250)
  await draw(alice, 'Frame', 100, 100, 400, 300)
  await expect(selectedItems(alice)).toHaveText([/^Frame at 100, 100, 300 × 200: Frame 1/])
  for (const page of [alice, bob]) {
    await expect.poll(() => frames(page)).toEqual([{
      label: 'Frame at 100, 100, 300 × 200: Frame 1',
      children: ['Rectangle at 150, 150, 100 × 100']
    }])
  }
  // The ellipse dragged in joins; a rectangle drawn half outside is clipped at the edge.
  await alice.keyboard.press('Escape')
  await drag(alice, 650, 200, 300, 220)
  await draw(alice, 'Rectangle', 300, 260, 480, 290)
  await expect.poll(async () => (await frames(bob))[0]?.children.length).toBe(3)
  await expect.poll(() => inkAt(bob, 360, 260)).toBeGreaterThan(100)
  expect(await inkAt(bob, 440, 260)).toBeLessThan(80)

  // Dragging the frame by its name moves what is in it.
  await alice.keyboard.press('Escape')
  await drag(alice, 110, 88, 160, 138)
  await expect.poll(() => frames(bob)).toEqual([{
    label: 'Frame at 150, 150, 300 × 200: Frame 1',
    children: ['Rectangle at 200, 200, 100 × 100', 'Ellipse at 300, 220, 100 × 100', 'Rectangle at 350, 310, 180 × 30']
  }])

  // Double-clicking the name edits it in place; undo takes the new name back.
  await clickCanvas(alice, 20, 20)
  const box = (await alice.locator('canvas.board-canvas').boundingBox())!
  await alice.mouse.dblclick(box.x + 170, box.y + 138)
  const editor = alice.getByRole('textbox', { name: 'Text' })
  await expect(editor).toBeFocused()
  await editor.fill('Intro')
  await editor.press('Escape')
  await expect.poll(async () => (await frames(bob))[0]?.label).toBe('Frame at 150, 150, 300 × 200: Intro')
  await alice.keyboard.press('Control+z')
  await expect.poll(async () => (await frames(bob))[0]?.label).toBe('Frame at 150, 150, 300 × 200: Frame 1')
})

test('Present shows the frames as slides in the order set in the slides panel; others can follow', async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)
  await draw(alice, 'Frame', 700, 100, 900, 250)
  await expect(shapeItems(bob)).toHaveText([/^Frame at 700, 100,.*Frame 1$/])
  // The open panel lists each frame as it is drawn, in reading order; it moves Frame 1
  // ahead, for everyone.
  await alice.getByRole('button', { name: 'Slides', exact: true }).click()
  const panel = alice.getByRole('complementary', { name: 'Slides' })
  await expect(panel.locator('.slide-name')).toHaveText(['Frame 1'])
  await draw(alice, 'Frame', 400, 100, 600, 250)
  await expect(panel.locator('.slide-name')).toHaveText(['Frame 2', 'Frame 1'])
  await panel.getByRole('button', { name: 'Move Frame 1 earlier' }).click()
  await expect(panel.locator('.slide-name')).toHaveText(['Frame 1', 'Frame 2'])
  await bob.getByRole('button', { name: 'Slides', exact: true }).click()
  await expect(bob.getByRole('complementary', { name: 'Slides' }).locator('.slide-name')).toHaveText(['Frame 1', 'Frame 2'])
  await panel.getByRole('button', { name: 'Close slides' }).click()

  await alice.getByRole('button', { name: 'Present', exact: true }).click()
  const controls = alice.getByRole('toolbar', { name: 'Presentation' })
  await expect(controls).toContainText('1 / 2 · Frame 1')
  await expect(alice.getByRole('toolbar', { name: 'Tools' })).toBeHidden()
  const zoom = alice.getByRole('button', { name: 'Reset zoom' })
  await alice.keyboard.press('ArrowRight')
  await expect(controls).toContainText('2 / 2 · Frame 2')
  await alice.keyboard.press('ArrowLeft')
  await expect(controls).toContainText('1 / 2 · Frame 1')
  await alice.keyboard.press('Space')
  await expect(controls).toContainText('2 / 2 · Frame 2')

  // Bob is offered to follow; his view then follows the slides.
  const offer = bob.getByRole('status').filter({ hasText: /is presenting/ })
  await offer.getByRole('button', { name: 'Follow' }).click()
  await expect(bob.getByText(/^Following /)).toBeVisible()
  await expect(bob.getByRole('button', { name: 'Reset zoom' })).not.toHaveText('100%')
  await expect(offer).toBeHidden()

  await alice.keyboard.press('Escape')
  await expect(controls).toBeHidden()
  await expect(alice.getByRole('toolbar', { name: 'Tools' })).toBeVisible()
  await expect(zoom).toHaveText('100%')
})

test('an elbow arrow turns at right angles between the shapes it joins, re-routes when they move, and takes a label', async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)
  await draw(alice, 'Rectangle', 100, 100, 200, 150)
  await draw(alice, 'Rectangle', 400, 300, 500, 350)
  await alice.getByRole('toolbar', { name: 'Tools' }).getByRole('button', { name: 'Arrow', exact: true }).click()
  await alice.getByRole('button', { name: 'Elbow', exact: true }).click()
  await drag(alice, 150, 125, 450, 325)
  await expect(shapeItems(bob).filter({ hasText: /^Arrow/ })).toHaveCount(1)
  // Out of the first box's right side, down the middle of the gap, into the second's left.
  await expect.poll(() => inkAt(bob, 250, 125)).toBeGreaterThan(100)
  await expect.poll(() => inkAt(bob, 300, 290)).toBeGreaterThan(100)
  expect(await inkAt(bob, 250, 172)).toBeLessThan(80)

  // The second box moves far down: the route now leaves the first box's bottom.
  expect(await inkAt(bob, 150, 250)).toBeLessThan(80)
  await alice.keyboard.press('Escape')
  await drag(alice, 450, 325, 450, 525)
  await expect.poll(() => inkAt(bob, 150, 250)).toBeGreaterThan(100)

  // A label, typed after a double-click on the arrow, sits on it.
  await alice.keyboard.press('Escape')
  const box = (await alice.locator('canvas.board-canvas').boundingBox())!
  await alice.mouse.dblclick(box.x + 300, box.y + 325)
  const editor = alice.getByRole('textbox', { name: 'Text' })
  await expect(editor).toBeFocused()
  await editor.fill('yes')
  await editor.press('Escape')
  await expect(shapeItems(bob).filter({ hasText: /^Arrow/ })).toHaveText([/: yes$/])
})

test('the Mermaid dialog previews what is typed, lists the lines it cannot read and inserts nothing, then inserts shapes with labelled arrows as one undo step', async ({ browser }) => {
  const { alice, bob } = await twoPeopleOnANewBoard(browser, server.url)
  // Reading Mermaid is not part of the page's first download: it is fetched when first used.
  const wasmFetched = () => alice.evaluate(() => performance.getEntriesByType('resource')
    .map(entry => new URL(entry.name).pathname).filter(path => path.endsWith('.wasm')))
  expect(await wasmFetched()).toEqual(['/pkg/whiteboard.wasm'])
  await alice.getByRole('button', { name: 'Mermaid', exact: true }).click()
  const dialog = alice.getByRole('dialog', { name: 'Mermaid flowchart' })
  const field = dialog.getByRole('textbox', { name: 'Mermaid flowchart text' })
  await expect(field).toBeFocused()
  // The example it opens with is previewed.
  await expect(dialog.getByRole('img', { name: 'What will be inserted' })).toBeVisible()
  expect((await wasmFetched()).length).toBeGreaterThan(1)

  await field.fill('flowchart TD\n  A[One] --> B[Two]\n  B -->|next| C{Three?}\n  C --> D[unclosed\n  C --> E((Five\n')
  const problems = dialog.getByRole('list', { name: 'Problems' }).getByRole('listitem')
  await expect(problems).toHaveCount(2)
  await expect(problems.first()).toContainText('line 4')
  await expect(problems.last()).toContainText('line 5')
  await expect(dialog.getByRole('button', { name: 'Insert' })).toBeDisabled()
  await field.press('Control+Enter')
  await expect(dialog).toBeVisible()
  expect(await shapeItems(alice).count()).toBe(0)

  await field.fill('flowchart TD\n  A[One] --> B[Two]\n  B -->|next| C{Three?}\n')
  await expect(problems).toHaveCount(0)
  await expect(dialog.getByRole('img', { name: 'What will be inserted' })).toBeVisible()
  await field.press('Control+Enter')
  await expect(dialog).toBeHidden()
  await expect(alice.getByRole('alert')).toContainText('Imported 5 shapes')
  const items = shapeItems(bob)
  await expect(items.filter({ hasText: /^Rectangle.*: (One|Two)$/ })).toHaveCount(2)
  await expect(items.filter({ hasText: /^Diamond.*: Three\?$/ })).toHaveCount(1)
  await expect(items.filter({ hasText: /^Arrow.*: next$/ })).toHaveCount(1)
  await expect(items.filter({ hasText: /^Arrow/ })).toHaveCount(2)

  // One undo takes the whole chart back, for Bob too.
  await alice.locator('canvas.board-canvas').focus()
  await alice.keyboard.press('Control+z')
  await expect(items).toHaveCount(0)
})
