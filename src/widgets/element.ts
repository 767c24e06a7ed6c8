/**
 * Bidirectional controls (embeddings, overrides, isolates, marks): a name holding U+202E
 * makes `report‮vsc.exe` read as `reportexe.csv` and reverses the text after it.
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

/**
 * Text as nodes. A bidi control goes in its own isolated span (`jp-GlobusKit-bidi`, whose
 * CSS shows its code point), so it can reorder nothing but itself, while the element's
 * `textContent` stays exactly the name Globus sent.
 */
function textNodes(text: string): Node[] {
  if (!BIDI_CONTROLS.test(text)) {
    return [document.createTextNode(text)];
  }
  return text.split(new RegExp(`(${BIDI_CONTROLS.source})`)).map((part, i) => {
    if (i % 2 === 0) {
      return document.createTextNode(part);
    }
    const mark = document.createElement('span');
    mark.className = 'jp-GlobusKit-bidi';
    mark.dataset.codepoint = `U+${part.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    mark.textContent = part;
    return mark;
  });
}

/**
 * Build an element whose children are elements or text. Strings always become text nodes,
 * so names from Globus (a file called `<img src=x onerror=…>`) are shown, never parsed,
 * and a bidi control in them is shown and isolated (see `textNodes`).
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
    if (typeof child === 'string') {
      node.append(...textNodes(child));
    } else {
      node.appendChild(child);
    }
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

/**
 * An error box (`jp-GlobusKit-error`) that screen readers announce.
 *
 * @param message - the text shown.
 */
export function alertBox(message: string): HTMLElement {
  const box = el('div', 'jp-GlobusKit-error', [message]);
  box.setAttribute('role', 'alert');
  return box;
}
