import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StderrFences } from '../../../src/notebook/stderrFences';

/** Feeds `chunks` and returns what came out: text pieces joined between fences, and the fences. */
function split(chunks: string[]): Array<string | number> {
  const events: Array<string | number> = [];
  const fences = new StderrFences(
    (text) => (typeof events.at(-1) === 'string' ? (events[events.length - 1] += text) : events.push(text)),
    (cellId) => events.push(cellId),
  );
  for (const chunk of chunks) fences.push(chunk);
  return events;
}

describe('StderrFences: the kernel stderr split at its cell-end fences', () => {
  const stream = 'fd1\nfrom-shell\n\u0000phi3-fence:7\u0000warning: late\n\u0000phi3-fence:12\u0000';

  it('gives the text before each fence, then the fence', () => {
    assert.deepEqual(split([stream]), ['fd1\nfrom-shell\n', 7, 'warning: late\n', 12]);
  });

  it('the same wherever the pipe cuts the stream, fences included', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      assert.deepEqual(split([stream.slice(0, cut), stream.slice(cut)]), ['fd1\nfrom-shell\n', 7, 'warning: late\n', 12], `cut at ${cut}`);
    }
    assert.deepEqual(split([...stream]), ['fd1\nfrom-shell\n', 7, 'warning: late\n', 12], 'one character at a time');
  });

  it('passes text on at once, holding back only what may be the start of a fence', () => {
    const seen: string[] = [];
    const fences = new StderrFences(
      (text) => seen.push(text),
      () => undefined,
    );
    fences.push('progress 10%\r');
    assert.deepEqual(seen, ['progress 10%\r']);
    fences.push('done\u0000phi3-fe');
    assert.deepEqual(seen, ['progress 10%\r', 'done']);
    // A NUL that starts no fence (binary output) is not held.
    fences.push('x\u0000y');
    assert.deepEqual(seen, ['progress 10%\r', 'done', '\u0000phi3-fex\u0000y']);
  });
});
