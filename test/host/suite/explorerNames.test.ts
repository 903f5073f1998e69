import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { hostileModelName, hostileModelNameShown, hostileName, hostileNameShown } from '../../harness/explorerSeed';
import { hasBidiControl } from '../../../src/views/displayName';
import { type ExplorerNode, KeyValueNode } from '../../../src/views/explorerNode';
import type { ExplorerTreeDataProvider } from '../../../src/views/explorerTreeDataProvider';
import { child, childrenOf, connected, labelOf, nodeAt, seededExperiment } from './explorerHelpers';

/** What VS Code is given for a node: its label, description and tooltip as the tree shows them. */
function shown(provider: ExplorerTreeDataProvider<ExplorerNode>, node: ExplorerNode) {
  const item = provider.getTreeItem(node);
  // Plain strings only: a MarkdownString tooltip could render markup and, trusted, run command: links.
  assert.ok(typeof item.tooltip === 'string' || item.tooltip === undefined, `a ${item.tooltip?.constructor.name} tooltip`);
  const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
  const text = {
    label,
    description: typeof item.description === 'string' ? item.description : '',
    tooltip: (item.tooltip as string | undefined) ?? '',
  };
  for (const [part, value] of Object.entries(text))
    assert.equal(hasBidiControl(value), false, `${part} ${JSON.stringify(value)} holds a bidirectional control`);
  return text;
}

describe('names with markup and bidirectional controls, in every part of the trees', () => {
  before(async function () {
    this.timeout(120_000);
    await connected();
  });

  it('an experiment, its run, the run’s param and tag values and an artifact: markup as text, the override visible', async () => {
    const { explorer } = await connected();
    const tree = explorer.experiments;
    const experiment = await child(tree, undefined, hostileName);
    const seededRun = seededExperiment(hostileName).runs[0]!;
    assert.equal(shown(tree, experiment).label, hostileNameShown);
    assert.match(shown(tree, experiment).tooltip, new RegExp(`^${escape(hostileNameShown)}\nExperiment ID: \\d+\n`));

    const run = await child(tree, experiment, hostileName);
    assert.equal(shown(tree, run).label, hostileNameShown);
    assert.ok(shown(tree, run).tooltip.startsWith(`${hostileNameShown}\nRun ID: ${seededRun.id}\n`), shown(tree, run).tooltip);

    const [params, metrics, tags, artifacts] = (await childrenOf(tree, run)) as [ExplorerNode, ExplorerNode, ExplorerNode, ExplorerNode];
    const [lr] = await childrenOf(tree, params);
    assert.deepEqual(shown(tree, lr!), { label: 'lr', description: hostileNameShown, tooltip: `lr = ${hostileNameShown}` });
    // By label: the suite runs from out/, the nodes come from dist/ (no instanceof).
    const note = (await childrenOf(tree, tags)).find((t) => labelOf(t) === 'note')!;
    assert.deepEqual(shown(tree, note), { label: 'note', description: hostileNameShown, tooltip: `note = ${hostileNameShown}` });
    assert.equal(shown(tree, (await childrenOf(tree, metrics))[0]!).label, 'loss');
    const file = await child(tree, artifacts, `${hostileName}.txt`);
    assert.deepEqual(shown(tree, file), {
      label: `${hostileNameShown}.txt`,
      description: '14 B',
      tooltip: `${hostileNameShown}.txt (14 B)`,
    });
    // The node keeps the server's name: opening or downloading it asks for that path.
    assert.equal((file as unknown as { path: string }).path, `${hostileName}.txt`);
  });

  it('a logged model and a registered model with its version: names and description shown the same way', async () => {
    const { explorer } = await connected();
    const logged = await nodeAt(explorer.experiments, hostileName, hostileName, 'Logged models', hostileModelName);
    assert.equal(shown(explorer.experiments, logged).label, hostileModelNameShown);
    assert.ok(
      shown(explorer.experiments, logged).tooltip.startsWith(`${hostileModelNameShown}\nModel ID: m-`),
      shown(explorer.experiments, logged).tooltip,
    );

    const model = await child(explorer.models, undefined, hostileModelName);
    assert.equal(shown(explorer.models, model).label, hostileModelNameShown);
    assert.equal(shown(explorer.models, model).description, 'latest v1 · @champion');
    assert.ok(shown(explorer.models, model).tooltip.endsWith(`\n\n${hostileNameShown}`), shown(explorer.models, model).tooltip);
    const version = await child(explorer.models, model, 'Version 1');
    assert.ok(
      shown(explorer.models, version).tooltip.startsWith(`${hostileModelNameShown} version 1\n`),
      shown(explorer.models, version).tooltip,
    );
    const parts = (await childrenOf(explorer.models, version)).map((part) => shown(explorer.models, part).label);
    assert.deepEqual(parts.slice(0, 2), [`Source run: ${hostileNameShown}`, `Logged model: ${hostileModelNameShown}`]);
  });

  it('keys and values from a server that does not keep to MLflow’s key rules: every bidirectional control shown, markup as text', async () => {
    const { explorer } = await connected();
    for (const control of ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069']) {
      const visible = `⟪U+${control.codePointAt(0)!.toString(16).toUpperCase()}⟫`;
      const node = new KeyValueNode(undefined, `loss${control}<b>k</b>`, `[x](command:workbench.action.quit)${control}`, 'metric', 'graph');
      assert.deepEqual(shown(explorer.experiments, node), {
        label: `loss${visible}<b>k</b>`,
        description: `[x](command:workbench.action.quit)${visible}`,
        tooltip: `loss${visible}<b>k</b> = [x](command:workbench.action.quit)${visible}`,
      });
    }
  });

  it('the metric charts panel of the run: its title shows the override, the data it loads is the server’s', async () => {
    const api = await connected();
    const run = await nodeAt(api.explorer.experiments, hostileName, hostileName);
    await vscode.commands.executeCommand('phi3Mlflow.showMetricCharts', run);
    const panel = api.metricCharts()!;
    try {
      assert.equal(panel.panel.title, `Metrics: ${hostileNameShown}`);
      assert.deepEqual(
        (await panel.whenLoaded())?.runs.map((r) => r.name),
        [hostileName],
      );
    } finally {
      panel.dispose();
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
