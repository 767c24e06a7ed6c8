/**
 * Build an element whose children are elements or text. Strings always become text nodes,
 * so names from Globus (a file called `<img src=x onerror=…>`) are shown, never parsed.
 *
 * @param tag - the element's tag.
 * @param className - its class (empty for none).
 * @param children - elements, or strings to add as text.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  children: Array<Node | string> = []
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  for (const child of children) {
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/**
 * A link that opens an http(s) URL in a new tab, or null for any other scheme (a
 * `javascript:` URL from a compromised server must not become clickable).
 *
 * @param url - the target.
 * @param label - the link text.
 * @param className - its class.
 */
export function externalLink(url: string, label: string, className = ''): HTMLAnchorElement | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return null;
  }
  const a = el('a', className, [label]);
  a.href = parsed.href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  return a;
}
