/**
 * Builds an element: `text` is set as text (never as markup), `className` as the class, `on…` as
 * listeners, anything else as an attribute. Children that are undefined are left out.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: {
    readonly text?: string;
    readonly className?: string;
    readonly [attribute: string]: string | ((event: Event) => void) | undefined;
  } = {},
  children: ReadonlyArray<Node | undefined> = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined) continue;
    if (key === 'text') node.textContent = value as string;
    else if (key === 'className') node.className = value as string;
    else if (typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

/** Phi-3's special tokens (<|system|>, <|user|>, <|end|>, …) stand out wherever a prompt is shown. */
export function withMarkers<T extends HTMLElement>(node: T, text: string): T {
  node.replaceChildren(
    ...text
      .split(/(<\|[a-z_]+\|>)/)
      .filter(Boolean)
      .map((part) => (/^<\|[a-z_]+\|>$/.test(part) ? el('span', { className: 'marker', text: part }) : document.createTextNode(part))),
  );
  return node;
}
