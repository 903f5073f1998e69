import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConnections, userConnections, withConnectionFirst, withoutConnection } from '../../src/settingValues';

const mine = [
  { uri: 'http://127.0.0.1:5000', auth: 'none' },
  { uri: 'https://mlflow.example.com', auth: 'token' },
];
const workspaces = [{ uri: 'http://attacker.example:5000', auth: 'basic' }];

describe('saved connections: the user\'s list only, never a workspace\'s', () => {
  it('reads the global value and ignores a workspace or folder value', () => {
    // What getConfiguration().get('connections') gave: the workspace value, hiding the user's list.
    const inspected = { defaultValue: [], globalValue: mine, workspaceValue: workspaces, workspaceFolderValue: workspaces };
    assert.deepEqual(userConnections(inspected), mine);
    assert.deepEqual(userConnections({ defaultValue: [], workspaceValue: workspaces }), [], 'a workspace list alone is no saved list');
    assert.deepEqual(userConnections(undefined), []);
  });

  it('Connect writes the user\'s list with the new one first: the workspace\'s entries never reach it, the user\'s are kept', () => {
    const inspected = { globalValue: mine, workspaceValue: workspaces };
    const written = withConnectionFirst(userConnections(inspected), { uri: 'http://localhost:5001', auth: 'none' });
    assert.deepEqual(written.map((c) => c.uri), ['http://localhost:5001', 'http://127.0.0.1:5000', 'https://mlflow.example.com']);
    assert.deepEqual(withConnectionFirst(mine as never, { uri: 'https://mlflow.example.com', auth: 'basic' }).map((c) => `${c.uri} ${c.auth}`), ['https://mlflow.example.com basic', 'http://127.0.0.1:5000 none']);
    assert.deepEqual(withoutConnection(userConnections(inspected), 'http://127.0.0.1:5000')?.map((c) => c.uri), ['https://mlflow.example.com']);
    assert.equal(withoutConnection([{ uri: 'a', auth: 'none' }], 'a'), undefined);
  });

  it('skips malformed entries of hand-edited settings', () => {
    assert.deepEqual(parseConnections([null, 3, { uri: ' ' }, { uri: ' http://x ', auth: 'weird' }]), [{ uri: 'http://x', auth: 'none' }]);
    assert.deepEqual(parseConnections('not a list'), []);
  });
});
