/** Answers' HTML rendered once and kept between the chat panel's state posts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderModelMarkdown } from '../../../src/chat/markdownRenderer';
import { RenderedAnswers } from '../../../src/chat/renderedAnswers';

describe('rendered answers', () => {
  it('renders each answer once over many posts of a long chat: work linear in the chat, not quadratic', () => {
    const rendered: string[] = [];
    const answers = new RenderedAnswers((markdown) => {
      rendered.push(markdown);
      return renderModelMarkdown(markdown);
    });
    const chat: string[] = [];
    // 200 answers, a state posted after each: every answer's HTML in every post.
    for (let i = 0; i < 200; i++) {
      chat.push(`Answer **${i}**`);
      for (const answer of chat) answers.htmlOf(answer);
    }
    assert.equal(rendered.length, 200);
    assert.equal(answers.htmlOf('Answer **7**'), '<p>Answer <strong>7</strong></p>\n');
  });

  it('keeps at most its limit, dropping the least recently used', () => {
    let renders = 0;
    const answers = new RenderedAnswers((markdown) => {
      renders += 1;
      return markdown.toUpperCase();
    }, 2);
    answers.htmlOf('a');
    answers.htmlOf('b');
    answers.htmlOf('a'); // a is now the most recent
    answers.htmlOf('c'); // b goes
    assert.equal(renders, 3);
    answers.htmlOf('a');
    assert.equal(renders, 3);
    assert.equal(answers.htmlOf('b'), 'B');
    assert.equal(renders, 4);
  });
});
