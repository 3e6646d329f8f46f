/**
 * Mouse gestures on the Studio canvas, done with real pointer events as a user makes them
 * (React Flow reacts to pointer movement, not to synthetic clicks on handles).
 */

/** The canvas node of a step (`loop/inner` for a step inside a loop body). */
export function node(page, id) {
  return page.locator(`.react-flow__node[data-id="${id}"]`);
}

async function boxOf(locator) {
  const box = await locator.boundingBox();
  if (!box) throw new Error(`${locator} is not on screen`);
  return box;
}

/**
 * Drags a palette item onto the canvas: at `{x, y}` from the pane's top left, `beside` the
 * node of an existing step (to its right), or `into` a loop box (its body).
 */
export async function dragStep(page, label, where) {
  const pane = page.locator(".react-flow__pane");
  const paneBox = await boxOf(pane);
  let at;
  if (where.beside) {
    const b = await boxOf(node(page, where.beside));
    at = { x: b.x + b.width + 60 - paneBox.x, y: b.y + b.height / 2 - paneBox.y };
  } else if (where.into) {
    const b = await boxOf(node(page, where.into));
    // Below the box's header, where its "drop here" hint is.
    at = { x: b.x + b.width / 2 - paneBox.x, y: b.y + b.height * 0.6 - paneBox.y };
  } else {
    at = where;
  }
  if (at.x < 0 || at.y < 0 || at.x > paneBox.width || at.y > paneBox.height) {
    throw new Error(`drop point ${JSON.stringify(at)} is outside the canvas (${paneBox.width}x${paneBox.height})`);
  }
  // A loop box is a node drawn over the pane: dropping into it targets the node itself.
  const target = where.into ? node(page, where.into) : pane;
  const targetBox = where.into ? await boxOf(target) : paneBox;
  await page.getByRole("button", { name: `Add ${label} step` }).dragTo(target, {
    targetPosition: { x: at.x + paneBox.x - targetBox.x, y: at.y + paneBox.y - targetBox.y },
  });
}

/**
 * Draws an edge from `from`'s right (source) handle to `to`'s left (target) handle: press,
 * move in small steps so React Flow sees a drag, hover the target, release.
 */
export async function drawEdge(page, from, to) {
  const before = await page.locator(".react-flow__edge").count();
  const a = await boxOf(node(page, from).locator(".react-flow__handle.source").first());
  const b = await boxOf(node(page, to).locator(".react-flow__handle.target").first());
  // A handle scrolled out of the pane (e.g. under the palette) takes no pointer events: the
  // drag would silently draw nothing, so say so instead.
  for (const [id, box] of [[from, a], [to, b]]) {
    const hit = await page.evaluate(([x, y]) => document.elementFromPoint(x, y)?.classList.contains("react-flow__handle") ?? false, [box.x + box.width / 2, box.y + box.height / 2]);
    if (!hit) throw new Error(`the handle of ${id} is covered or off the canvas: fit the view first`);
  }
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 15 });
  await page.mouse.up();
  await page.waitForFunction((n) => document.querySelectorAll(".react-flow__edge").length > n, before, { timeout: 5000 });
}

/** Replaces the text of a CodeMirror field (found by its label) by typing. */
export async function typeInEditor(page, label, text) {
  const editor = page.locator(`.cm-content[aria-label="${label}"]`);
  await editor.click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type(text);
}

/** The border colour a step's node is drawn with (its status or issue colour). */
export function borderColour(page, id) {
  return node(page, id)
    .locator(".step-node, .loop-node")
    .first()
    .evaluate((el) => getComputedStyle(el).borderTopColor);
}
