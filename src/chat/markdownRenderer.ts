import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import cpp from 'highlight.js/lib/languages/cpp';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import MarkdownIt from 'markdown-it';

/**
 * Model output as Markdown, made safe to put into the chat webview's DOM. markdown-it (the parser
 * VS Code's own Markdown preview uses) with raw HTML off escapes every tag the model writes, so no
 * element or attribute comes from the text except what the Markdown grammar makes. On top of that:
 * - links keep only http, https and mailto targets; any other (`javascript:`, `data:`, `file:`,
 *   `command:`, relative) is not a link at all and shows as the plain text the model wrote;
 * - images are never loaded: an image becomes its alt text in brackets;
 * - fenced code keeps its language only as a `language-*` class of safe characters, and is
 *   highlighted by highlight.js (only the core and the languages a Phi-3 answer most often holds,
 *   to keep the bundle small), whose output is the escaped code in `<span class="hljs-…">`s.
 * The webview's CSP (scripts by nonce only, no remote sources) is the second wall.
 */
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: true });

for (const [name, language] of Object.entries({ bash, cpp, java, javascript, json, python, sql, typescript, xml, yaml }))
  hljs.registerLanguage(name, language);

const allowedLink = /^(https?:|mailto:)/i;

markdown.validateLink = (url: string) => allowedLink.test(url.trim());

markdown.renderer.rules.image = (tokens, index) => {
  const token = tokens[index]!;
  const alt = token.children ? markdown.renderer.renderInlineAsText(token.children, markdown.options, {}) : token.content;
  return `[${markdown.utils.escapeHtml(alt || 'image')}]`;
};

markdown.renderer.rules.fence = (tokens, index) => {
  const token = tokens[index]!;
  const language = token.info.trim().split(/\s+/)[0] ?? '';
  const safeLanguage = /^[\w+#.-]{1,40}$/.test(language) ? language : '';
  if (safeLanguage && hljs.getLanguage(safeLanguage)) {
    const highlighted = hljs.highlight(token.content, { language: safeLanguage, ignoreIllegals: true }).value;
    return `<pre><code class="hljs language-${safeLanguage}">${highlighted}</code></pre>\n`;
  }
  const classAttribute = safeLanguage ? ` class="language-${safeLanguage}"` : '';
  return `<pre><code${classAttribute}>${markdown.utils.escapeHtml(token.content)}</code></pre>\n`;
};

const defaultLinkOpen =
  markdown.renderer.rules.link_open ?? ((tokens, index, options, _env, self) => self.renderToken(tokens, index, options));
markdown.renderer.rules.link_open = (tokens, index, options, env, self) => {
  // Only the href survives (a title would be harmless, but nothing else is needed).
  const token = tokens[index]!;
  token.attrs = (token.attrs ?? []).filter(([name]) => name === 'href');
  return defaultLinkOpen(tokens, index, options, env, self);
};

/** Sanitized HTML for a model's Markdown answer (also for a partial answer while it streams). */
export function renderModelMarkdown(text: string): string {
  return markdown.render(text);
}
