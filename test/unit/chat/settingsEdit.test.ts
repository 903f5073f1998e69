/** Settings edits from the chat webview: only the changed fields, applied in order, each acknowledged by its number. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseViewMessage } from '../../../src/chat/chatProtocol';
import { defaultChatSettings } from '../../../src/chat/generationSettings';
import { applySettingsEdit } from '../../../src/chat/settingsEdit';

describe('settings edits from the chat webview', () => {
  it('an edit changes only the fields it names: an older value of another field cannot come back with it', () => {
    // The user set 4000 tokens and sampling, then set top-k to 0: the last edit carries top-k alone.
    let settings = applySettingsEdit(defaultChatSettings, { revision: 1, changes: { maxNewTokens: '4000', doSample: true } });
    settings = applySettingsEdit(settings, { revision: 2, changes: { topK: '0' } });
    assert.deepEqual(settings, { ...defaultChatSettings, maxNewTokens: 4000, doSample: true, topK: 0 });
    settings = applySettingsEdit(settings, { revision: 3, changes: { maxNewTokens: '5' } });
    assert.deepEqual(settings, { ...defaultChatSettings, maxNewTokens: 5, doSample: true, topK: 0 });
  });

  it("a bad value is refused with the engine's message and leaves every setting as it was", () => {
    const before = { ...defaultChatSettings, maxNewTokens: 7 };
    assert.throws(() => applySettingsEdit(before, { revision: 4, changes: { maxNewTokens: 'lots' } }), {
      kind: 'invalid-option',
      message: 'Invalid generation setting: max new tokens must be a number (got "lots").',
    });
    assert.throws(() => applySettingsEdit(before, { revision: 5, changes: { topK: '3', nonsense: 1 } }), {
      kind: 'invalid-option',
      message: 'Invalid generation setting: "nonsense" is not a setting.',
    });
    assert.deepEqual(before, { ...defaultChatSettings, maxNewTokens: 7 });
  });

  it('the protocol takes an edit with its number and changed fields, and drops one without them', () => {
    assert.deepEqual(parseViewMessage({ type: 'settings', revision: 3, changes: { topK: '0' } }), {
      type: 'settings',
      revision: 3,
      changes: { topK: '0' },
    });
    assert.equal(parseViewMessage({ type: 'settings', settings: { maxNewTokens: '5' } }), undefined, 'the old whole-form message');
    assert.equal(parseViewMessage({ type: 'settings', revision: -1, changes: {} }), undefined);
    assert.equal(parseViewMessage({ type: 'settings', revision: 1.5, changes: {} }), undefined);
    assert.equal(parseViewMessage({ type: 'settings', revision: 2, changes: ['topK'] }), undefined);
  });
});
