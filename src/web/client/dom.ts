/**
 * The one way these pages build DOM: elements with attributes and text children, text
 * always set as `textContent`. Nothing here parses HTML, so candidate answers (untrusted
 * model output) are shown literally, whatever markup they contain.
 */
type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'text') node.textContent = String(v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`page has no #${id}`);
  return node as T;
}

/** Human form of a flag name: over_refusal → over-refusal. */
export function flagLabel(flag: string): string {
  return flag.replace(/_/g, '-');
}

/** Letters for cards: A, B, … (K ≤ 16). */
export function letter(i: number): string {
  return String.fromCharCode(65 + i);
}
