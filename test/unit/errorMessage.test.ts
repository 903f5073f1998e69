import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { errorMessage } from '../../src/errorMessage';

describe('errorMessage', () => {
  it("is an Error's message", () => {
    assert.equal(
      errorMessage(new Error('Cannot reach http://127.0.0.1:1 (connection refused)')),
      'Cannot reach http://127.0.0.1:1 (connection refused)',
    );
    assert.equal(errorMessage(new TypeError('x is not a function')), 'x is not a function');
  });

  it('is the name of an Error without a message', () => {
    assert.equal(errorMessage(new Error('')), 'Error');
    assert.equal(errorMessage(new RangeError()), 'RangeError');
  });

  it('reads the message of an Error from another realm, which fails instanceof Error', () => {
    const foreign: unknown = runInNewContext('new Error("from the other realm")');
    assert.equal(foreign instanceof Error, false);
    assert.equal(errorMessage(foreign), 'from the other realm');
  });

  it('reads the message of a thrown plain object that has one', () => {
    assert.equal(errorMessage({ message: 'rejected with an object' }), 'rejected with an object');
  });

  it('is the text of anything else thrown', () => {
    assert.equal(errorMessage('a thrown string'), 'a thrown string');
    assert.equal(errorMessage(42), '42');
    assert.equal(errorMessage(undefined), 'undefined');
    assert.equal(errorMessage(null), 'null');
    assert.equal(errorMessage({ message: 7 }), '[object Object]');
  });
});
