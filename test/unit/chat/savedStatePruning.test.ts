import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keysToDrop } from '../../../src/chat/savedStatePruning';

describe('pruning saved chats and settings', () => {
  it('drops the least recently saved beyond the cap, never one in use, oldest (no time) first', () => {
    const entries = [
      { key: 'a', savedAt: 300 },
      { key: 'b', savedAt: 100, inUse: true },
      { key: 'c', savedAt: 200 },
      { key: 'legacy', savedAt: undefined },
      { key: 'd', savedAt: 400 },
    ];
    assert.deepEqual(keysToDrop(entries, 5), []);
    assert.deepEqual(keysToDrop(entries, 3), ['c', 'legacy']);
    assert.deepEqual(keysToDrop(entries, 1), ['d', 'a', 'c', 'legacy']);
    assert.deepEqual(keysToDrop([], 20), []);
    const many = Array.from({ length: 25 }, (_, i) => ({ key: `s${i}`, savedAt: i }));
    assert.deepEqual(keysToDrop(many, 20), ['s4', 's3', 's2', 's1', 's0']);
  });
});
