import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  ignoredSettingsNote,
  ignoredWorkspaceSettings,
  parseSettingsText,
  restrictedSettingsIn,
  type InspectedSetting,
  parseConnections,
  type RestrictedSetting,
  restrictedSettings,
  restrictedValue,
  userConnections,
  withConnectionFirst,
  withoutConnection,
} from '../../src/settingValues';
import { repoRoot } from '../harness/paths';

const mine = [
  { uri: 'http://127.0.0.1:5000', auth: 'none' },
  { uri: 'https://mlflow.example.com', auth: 'token' },
];
const workspaces = [{ uri: 'http://attacker.example:5000', auth: 'basic' }];

describe("saved connections: the user's list only, never a workspace's", () => {
  it('reads the global value and ignores a workspace or folder value', () => {
    // What getConfiguration().get('connections') gave: the workspace value, hiding the user's list.
    const inspected = { defaultValue: [], globalValue: mine, workspaceValue: workspaces, workspaceFolderValue: workspaces };
    assert.deepEqual(userConnections(inspected), mine);
    assert.deepEqual(userConnections({ defaultValue: [], workspaceValue: workspaces }), [], 'a workspace list alone is no saved list');
    assert.deepEqual(userConnections(undefined), []);
  });

  it("Connect writes the user's list with the new one first: the workspace's entries never reach it, the user's are kept", () => {
    const inspected = { globalValue: mine, workspaceValue: workspaces };
    const written = withConnectionFirst(userConnections(inspected), { uri: 'http://localhost:5001', auth: 'none' });
    assert.deepEqual(
      written.map((c) => c.uri),
      ['http://localhost:5001', 'http://127.0.0.1:5000', 'https://mlflow.example.com'],
    );
    assert.deepEqual(
      withConnectionFirst(mine as never, { uri: 'https://mlflow.example.com', auth: 'basic' }).map((c) => `${c.uri} ${c.auth}`),
      ['https://mlflow.example.com basic', 'http://127.0.0.1:5000 none'],
    );
    assert.deepEqual(
      withoutConnection(userConnections(inspected), 'http://127.0.0.1:5000')?.map((c) => c.uri),
      ['https://mlflow.example.com'],
    );
    assert.equal(withoutConnection([{ uri: 'a', auth: 'none' }], 'a'), undefined);
  });

  it('skips malformed entries of hand-edited settings', () => {
    assert.deepEqual(parseConnections([null, 3, { uri: ' ' }, { uri: ' http://x ', auth: 'weird' }]), [{ uri: 'http://x', auth: 'none' }]);
    assert.deepEqual(parseConnections('not a list'), []);
  });
});

describe('Restricted Mode: a workspace cannot choose the server, the interpreter, the startup chat or the cache folder', () => {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
    contributes: { configuration: { properties: Record<string, unknown> } | Array<{ properties: Record<string, unknown> }> };
  };

  it('package.json lists every restricted setting in untrustedWorkspaces.restrictedConfigurations, each a real setting', () => {
    const listed = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
    for (const key of [
      'phi3Mlflow.trackingUri',
      'phi3Mlflow.connections',
      'phi3Mlflow.pythonPath',
      'phi3Mlflow.chat.openOnStartup',
      'phi3Mlflow.chat.modelCacheDirectory',
      'phi3Mlflow.traces.log',
    ]) {
      assert.ok(listed.includes(key), `${key} is restricted`);
    }
    assert.deepEqual(
      [...listed].sort(),
      restrictedSettings.map((key) => `phi3Mlflow.${key}`).sort(),
      'the code reads the same list as restricted',
    );
    const sections = Array.isArray(manifest.contributes.configuration)
      ? manifest.contributes.configuration
      : [manifest.contributes.configuration];
    const properties = Object.assign({}, ...sections.map((s) => s.properties)) as Record<string, unknown>;
    for (const key of listed) assert.ok(key in properties, `${key} is a contributed setting`);
  });

  it("untrusted: the user's value, else the default — never the workspace's; trusted: the merged value", () => {
    const server = { defaultValue: '', globalValue: 'http://127.0.0.1:5000', workspaceValue: 'http://attacker.example:5000' };
    assert.equal(restrictedValue(server, 'http://attacker.example:5000', false, ''), 'http://127.0.0.1:5000');
    assert.equal(
      restrictedValue({ defaultValue: '', workspaceValue: 'http://attacker.example:5000' }, 'http://attacker.example:5000', false, ''),
      '',
    );
    assert.equal(
      restrictedValue({ workspaceFolderValue: '/tmp/evil-python' }, '/tmp/evil-python', false, ''),
      '',
      'no default either: the fallback',
    );
    assert.equal(
      restrictedValue(server, 'http://attacker.example:5000', true, ''),
      'http://attacker.example:5000',
      'trusted: the workspace may choose',
    );
  });

  it("says which workspace values are ignored, in the status bar's words", () => {
    const values: Record<string, InspectedSetting<unknown>> = {
      trackingUri: { workspaceValue: 'http://attacker.example:5000' },
      pythonPath: { workspaceFolderValue: '/tmp/evil-python' },
      connections: { globalValue: [] },
    };
    const inspect = (key: RestrictedSetting) => values[key];
    assert.deepEqual(ignoredWorkspaceSettings(inspect, false), ['phi3Mlflow.trackingUri', 'phi3Mlflow.pythonPath']);
    assert.deepEqual(ignoredWorkspaceSettings(inspect, true), []);
    const note = ignoredSettingsNote(['phi3Mlflow.trackingUri']);
    assert.match(note!.text, /workspace setting ignored/);
    assert.equal(
      note!.tooltip,
      'Workspace setting ignored (Restricted Mode): phi3Mlflow.trackingUri. Your user settings are used until you trust this folder.',
    );
    assert.equal(ignoredSettingsNote([]), undefined);
  });

  it('reads the restricted settings a settings file sets (VS Code hides them from inspect() while untrusted): comments, trailing commas, nested objects', () => {
    const text = `{
  // the folder's own server
  "phi3Mlflow.trackingUri": "http://attacker.example:5000", /* and its Python */
  "phi3Mlflow": { "chat.openOnStartup": "models:/x/1", "chat": { "modelCacheDirectory": "/tmp/c", }, },
  "python.defaultInterpreterPath": "// not a comment, */ nor this",
  "editor.fontSize": 14,
}`;
    assert.deepEqual(restrictedSettingsIn(parseSettingsText(text)), [
      'phi3Mlflow.trackingUri',
      'phi3Mlflow.chat.openOnStartup',
      'phi3Mlflow.chat.modelCacheDirectory',
    ]);
    assert.deepEqual(restrictedSettingsIn(parseSettingsText('{"phi3Mlflow.pythonPath": "/tmp/evil-python", "x": ",}"}')), [
      'phi3Mlflow.pythonPath',
    ]);
    assert.equal(parseSettingsText('{ not json'), undefined);
    assert.deepEqual(restrictedSettingsIn(undefined), []);
    assert.deepEqual(restrictedSettingsIn({ 'phi3Mlflow.requestTimeoutSeconds': 5 }), []);
  });
});
