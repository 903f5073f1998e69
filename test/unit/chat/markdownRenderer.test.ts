/** The model's Markdown, rendered for the webview: nothing in it can run script or load anything. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderModelMarkdown } from '../../../src/chat/markdownRenderer';

describe('rendering model output', () => {
  it('keeps Markdown: emphasis, code, fenced code with its language, safe links, line breaks', () => {
    assert.equal(
      renderModelMarkdown('**bold** and `code`\nnext line'),
      '<p><strong>bold</strong> and <code>code</code><br>\nnext line</p>\n',
    );
    assert.equal(
      renderModelMarkdown('```python\nprint("<hi>")\n```'),
      '<pre><code class="hljs language-python"><span class="hljs-built_in">print</span>(<span class="hljs-string">&quot;&lt;hi&gt;&quot;</span>)\n</code></pre>\n',
    );
    assert.equal(
      renderModelMarkdown('[docs](https://mlflow.org "MLflow") <https://a.example> [mail](mailto:a@b.example)'),
      '<p><a href="https://mlflow.org">docs</a> <a href="https://a.example">https://a.example</a> <a href="mailto:a@b.example">mail</a></p>\n',
    );
  });

  it('escapes raw HTML: script, event handlers, iframes, styles', () => {
    assert.equal(renderModelMarkdown('<script>alert(1)</script>'), '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n');
    assert.equal(renderModelMarkdown('<img src=x onerror=alert(1)>'), '<p>&lt;img src=x onerror=alert(1)&gt;</p>\n');
    assert.equal(
      renderModelMarkdown('<a href="javascript:alert(1)" onclick="steal()">y</a>'),
      '<p>&lt;a href=&quot;javascript:alert(1)&quot; onclick=&quot;steal()&quot;&gt;y&lt;/a&gt;</p>\n',
    );
    assert.equal(
      renderModelMarkdown('<div style="background:url(https://evil.example/x)">\n<iframe src="https://evil.example"></iframe>\n</div>'),
      '<p>&lt;div style=&quot;background:url(https://evil.example/x)&quot;&gt;<br>\n&lt;iframe src=&quot;https://evil.example&quot;&gt;&lt;/iframe&gt;<br>\n&lt;/div&gt;</p>\n',
    );
  });

  it('drops links to javascript:, data:, file:, command: and relative targets, leaving the text', () => {
    assert.equal(renderModelMarkdown('[click](javascript:alert(1))'), '<p>[click](javascript:alert(1))</p>\n');
    assert.equal(renderModelMarkdown('[click](JaVaScRiPt:alert(1))'), '<p>[click](JaVaScRiPt:alert(1))</p>\n');
    assert.equal(renderModelMarkdown('[x](data:text/html;base64,PHNjcmlwdD4=)'), '<p>[x](data:text/html;base64,PHNjcmlwdD4=)</p>\n');
    assert.equal(
      renderModelMarkdown('[x](file:///etc/passwd) [y](command:workbench.action.quit) [z](./local)'),
      '<p>[x](file:///etc/passwd) [y](command:workbench.action.quit) [z](./local)</p>\n',
    );
    assert.equal(renderModelMarkdown('[x][r]\n\n[r]: javascript:alert(1)'), '<p>[x][r]</p>\n<p>[r]: javascript:alert(1)</p>\n');
  });

  it('never loads an image: it becomes its alt text', () => {
    assert.equal(renderModelMarkdown('![a cat](https://evil.example/track.png)'), '<p>[a cat]</p>\n');
    assert.equal(renderModelMarkdown('![<b>x</b>](https://evil.example/t.png)'), '<p>[&lt;b&gt;x&lt;/b&gt;]</p>\n');
  });

  it('keeps a fence language only when it is a plain word', () => {
    assert.equal(renderModelMarkdown('```"><script>alert(1)</script>\nx\n```'), '<pre><code>x\n</code></pre>\n');
    assert.equal(renderModelMarkdown('```rust\nfn main() {}\n```'), '<pre><code class="language-rust">fn main() {}\n</code></pre>\n');
  });

  it('highlights code with spans around escaped text: markup inside code stays text', () => {
    assert.equal(
      renderModelMarkdown('```html\n<img src=x onerror=alert(1)>\n```'),
      '<pre><code class="hljs language-html"><span class="hljs-tag">&lt;<span class="hljs-name">img</span> <span class="hljs-attr">src</span>=<span class="hljs-string">x</span> <span class="hljs-attr">onerror</span>=<span class="hljs-string">alert(1)</span>&gt;</span>\n</code></pre>\n',
    );
    assert.equal(
      renderModelMarkdown('```js\nconst a = "</script><script>alert(1)</script>";\n```'),
      '<pre><code class="hljs language-js"><span class="hljs-keyword">const</span> a = <span class="hljs-string">&quot;&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;</span>;\n</code></pre>\n',
    );
  });
});
