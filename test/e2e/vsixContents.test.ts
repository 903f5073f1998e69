/**
 * The packaged VSIX, unpacked as VS Code unpacks it: what ships, and that the native onnxruntime
 * it carries loads from there (a bundler cannot follow the binding's path, so this is where it breaks).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { unpackPackagedVsix } from '../harness/packagedVsix';

describe('the packaged VSIX', () => {
  let unpacked: string;
  let files: string[];

  before(() => {
    ({ folder: unpacked, files } = unpackPackagedVsix());
  });

  after(() => rmSync(unpacked, { recursive: true, force: true }));

  it('ships the bundle, the manifest and media, and no sources, tests, maps or type declarations', () => {
    // vsce stores README, CHANGELOG and LICENSE under these names.
    for (const needed of [
      'extension/package.json',
      'extension/dist/extension.js',
      'extension/media/mlflow.svg',
      'extension/readme.md',
      'extension/changelog.md',
      'extension/LICENSE.txt',
    ]) {
      assert.ok(files.includes(needed), `${needed} missing`);
    }
    // The webview pages, built from src/webview/ with uPlot bundled in, and nothing vendored beside them.
    assert.deepEqual(files.filter((f) => f.startsWith('extension/dist/webview/')).sort(), [
      'extension/dist/webview/chat.css',
      'extension/dist/webview/chat.js',
      'extension/dist/webview/metricCharts.css',
      'extension/dist/webview/metricCharts.js',
      'extension/dist/webview/onnxLog.css',
      'extension/dist/webview/onnxLog.js',
    ]);
    assert.deepEqual(
      files.filter((f) => /^extension\/media\/(vendor|chat|charts)\//.test(f)),
      [],
    );
    const unwanted = files.filter((f) => /^extension\/(src|test|scripts|out|bench|node_modules)\/|\.map$|\.d\.ts$|\.ts$/.test(f));
    assert.deepEqual(unwanted, []);
  });

  it("names the third-party code it bundles, with uPlot's MIT licence text", () => {
    const notices = readFileSync(join(unpacked, 'extension', 'dist', 'ThirdPartyNotices.txt'), 'utf8');
    const uplot = notices.indexOf('uplot 1.6.32\n');
    assert.ok(uplot >= 0, 'uplot listed');
    assert.match(
      notices.slice(uplot),
      /^uplot 1\.6\.32\n-+\nThe MIT License \(MIT\)\n\nCopyright \(c\) 2022 Leon Sorokin\n\nPermission is hereby granted, free of charge/,
    );
    assert.ok(notices.includes('markdown-it 14.3.3\n'), 'markdown-it listed');
  });

  it(`carries onnxruntime's binding for ${process.platform}-${process.arch} only`, () => {
    const bindings = files.filter((f) => f.endsWith('onnxruntime_binding.node'));
    assert.deepEqual(bindings, [
      `extension/dist/node_modules/onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`,
    ]);
  });

  it('loads onnxruntime from the unpacked extension, as the bundle requires it', () => {
    const probe = spawnSync(
      process.execPath,
      [
        '-e',
        'const ort = require(require.resolve("onnxruntime-node", { paths: [process.argv[1]] })); console.log(JSON.stringify({ versions: ort.env.versions, backends: ort.listSupportedBackends().map((b) => b.name) }))',
        join(unpacked, 'extension', 'dist'),
      ],
      { encoding: 'utf8' },
    );
    assert.equal(probe.status, 0, probe.stderr);
    const { versions, backends } = JSON.parse(probe.stdout) as { versions: { node: string }; backends: string[] };
    assert.equal(versions.node, '1.30.0');
    assert.ok(backends.includes('cpu'), `backends: ${backends.join(', ')}`);
  });
});
