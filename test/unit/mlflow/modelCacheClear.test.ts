import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { clearConfirmation, entryMarkerName, ModelArtifactCache } from '../../../src/mlflow/modelArtifactCache';

/** A folder the cache made: its entry marker and some bytes. */
function cacheEntry(root: string, name: string, bytes = 1000): string {
  const folder = join(root, name);
  mkdirSync(join(folder, 'files'), { recursive: true });
  writeFileSync(join(folder, entryMarkerName), 'made by the cache\n');
  writeFileSync(join(folder, 'files', 'model.onnx'), Buffer.alloc(bytes));
  return folder;
}

/** A process that stays alive until killed: "another window" holding an entry. */
async function otherProcess(): Promise<{ pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  return {
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill();
      }),
  };
}

describe('Clear Model Cache removes only what the cache made, and nothing another window uses (no server)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'phi3-cache-clear-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it("pointed at a folder of the user's own models, it removes only the entries carrying its marker", async () => {
    const root = join(scratch, 'models');
    // The user's things: a model folder, a loose file, a folder named like a staging folder, and a link to a cache entry elsewhere.
    mkdirSync(join(root, 'my-phi3'), { recursive: true });
    writeFileSync(join(root, 'my-phi3', 'genai_config.json'), '{}');
    writeFileSync(join(root, 'notes.txt'), 'mine');
    mkdirSync(join(root, '.staging-mine'));
    const elsewhere = cacheEntry(scratch, 'elsewhere');
    symlinkSync(elsewhere, join(root, 'linked'));
    // A complete.json that does not hash to its folder's name is not the cache's either.
    mkdirSync(join(root, 'looks-like-one'));
    writeFileSync(
      join(root, 'looks-like-one', 'complete.json'),
      JSON.stringify({ format: 1, trackingUri: 'http://x', cacheUri: 'models:/a/1', fingerprint: 'f' }),
    );
    // The cache's: a new entry, a staging leftover, and an entry made before the marker existed (its complete.json hashes to its name).
    cacheEntry(root, 'phi3_1-0123456789abcdef0123', 3000);
    cacheEntry(root, '.staging-abc123', 500);
    const legacyName = ModelArtifactCache.entryName('http://127.0.0.1:5000', 'models:/phi3/1', 'fp');
    mkdirSync(join(root, legacyName));
    writeFileSync(
      join(root, legacyName, 'complete.json'),
      JSON.stringify({ format: 1, trackingUri: 'http://127.0.0.1:5000', cacheUri: 'models:/phi3/1', fingerprint: 'fp' }),
    );

    const cache = new ModelArtifactCache(root);
    const plan = await cache.plan();
    assert.equal(plan.entries, 2);
    assert.deepEqual(plan.notOurs, ['linked', 'looks-like-one', 'my-phi3', 'notes.txt', '.staging-mine'].sort());
    assert.equal(readdirSync(root).length, 8, 'plan() deletes nothing');
    const result = await cache.clear();
    assert.deepEqual(result, plan);
    assert.deepEqual(readdirSync(root).sort(), ['.staging-mine', 'linked', 'looks-like-one', 'my-phi3', 'notes.txt'].sort());
    assert.ok(existsSync(join(root, 'my-phi3', 'genai_config.json')));
    assert.ok(existsSync(join(elsewhere, 'files', 'model.onnx')), 'a link is not followed');
  });

  it("an entry another live window marked in use stays; a dead window's mark and this window's own do not keep it", async () => {
    const root = join(scratch, 'in-use');
    const other = await otherProcess();
    const gone = await otherProcess();
    await gone.stop();
    try {
      writeFileSync(join(cacheEntry(root, 'held-by-other'), `.in-use-${other.pid}`), `${other.pid}\n`);
      writeFileSync(join(cacheEntry(root, 'held-by-dead'), `.in-use-${gone.pid}`), `${gone.pid}\n`);
      writeFileSync(join(cacheEntry(root, 'held-by-me'), `.in-use-${process.pid}`), `${process.pid}\n`);
      writeFileSync(join(cacheEntry(root, '.staging-other-window'), `.in-use-${other.pid}`), `${other.pid}\n`);
      const result = await new ModelArtifactCache(root).clear();
      assert.equal(result.entries, 2);
      assert.deepEqual(result.inUse, ['.staging-other-window', 'held-by-other']);
      assert.deepEqual(readdirSync(root).sort(), ['.staging-other-window', 'held-by-other']);
    } finally {
      await other.stop();
    }
    assert.equal((await new ModelArtifactCache(root).clear()).entries, 1, 'once that window is gone, its entry goes');
    assert.deepEqual(readdirSync(root), []);
  });

  it('the confirmation names the size and what stays; nothing to remove asks nothing', () => {
    const asked = clearConfirmation({ entries: 2, bytes: 3 * 1024 * 1024, inUse: ['a'], notOurs: ['b', 'c'] }, '/home/me/models');
    assert.equal(asked?.message, 'Delete 2 cached models (3.0 MiB) from /home/me/models?');
    assert.match(
      asked!.detail,
      /1 model open in another window stays\..*2 other items in the folder \(not made by the cache\) stay untouched/,
    );
    assert.equal(clearConfirmation({ entries: 0, bytes: 0, inUse: ['a'], notOurs: ['b'] }, '/x'), undefined);
  });
});
