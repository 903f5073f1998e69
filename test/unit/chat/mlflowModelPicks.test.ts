import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  aliasItems,
  experimentItems,
  loggedModelItems,
  onnxFolderItems,
  registeredModelItems,
  runItems,
  versionItems,
} from '../../../src/chat/mlflowModelPicks';
import type {
  Experiment,
  LoggedModel,
  ModelVersion,
  ModelVersionStatus,
  RegisteredModel,
  Run,
  RunStatus,
} from '../../../src/mlflow/entities';
import type { FoundOnnxFolder } from '../../../src/mlflow/modelArtifactCache';

/** A name a hostile tracking server could hand out: an icon, a command link, a right-to-left override. */
const hostile = '$(warning) prod [Open](command:workbench.action.terminal.new)\u202Egnp';
/** As the quick pick is given it: the icon escaped, the override visible, the link text as it is (quick picks parse no links). */
const hostileShown = '\\$(warning) prod [Open](command:workbench.action.terminal.new)⟪U+202E⟫gnp';

describe("Open Chat's MLflow quick picks: server text escaped, values kept", () => {
  it('registered models, their versions and aliases', () => {
    const model: RegisteredModel = {
      name: hostile,
      description: '',
      latestVersions: [],
      tags: {},
      aliases: { [`$(star)${hostile}`]: '2', champion: '1' },
    };
    assert.deepEqual(registeredModelItems([model]), [
      { label: hostileShown, description: `@\\$(star)${hostileShown} → v2 · @champion → v1`, model },
    ]);

    const version = (v: string, status: string, source: string): ModelVersion => ({
      name: hostile,
      version: v,
      description: '',
      source,
      status: status as ModelVersionStatus,
      currentStage: 'None',
      tags: {},
      aliases: [],
    });
    assert.deepEqual(
      versionItems([version('2', '$(error)', `models:/${hostile}`), version('1', 'READY', 'runs:/abc/model')], model.aliases),
      [
        { label: 'Version 2', description: `@\\$(star)${hostileShown} · \\$(error)`, detail: `models:/${hostileShown}`, version: '2' },
        { label: 'Version 1', description: '@champion', detail: 'runs:/abc/model', version: '1' },
      ],
    );

    assert.deepEqual(aliasItems({ [hostile]: '$(x)', champion: '1' }), [
      { label: `@${hostileShown}`, description: 'version \\$(x)', alias: hostile },
      { label: '@champion', description: 'version 1', alias: 'champion' },
    ]);
  });

  it('experiments, runs and logged models', () => {
    const experiment: Experiment = { experimentId: '$(gear)', name: hostile, artifactLocation: '', lifecycleStage: 'active', tags: {} };
    assert.deepEqual(experimentItems([experiment]), [{ label: hostileShown, description: 'id \\$(gear)', id: '$(gear)' }]);

    const run = (runName: string, runId: string, status: string): Run => ({
      info: { runId, runName, experimentId: '1', userId: '', status: status as RunStatus, artifactUri: '', lifecycleStage: 'active' },
      metrics: [],
      params: {},
      tags: {},
      modelOutputs: [],
    });
    assert.deepEqual(runItems([run(hostile, '$(bug)', '$(pass)'), run('', '0a1b', 'FINISHED')]), [
      { label: hostileShown, description: '\\$(bug)', detail: '\\$(pass)', runId: '$(bug)' },
      { label: '0a1b', description: '0a1b', detail: 'FINISHED', runId: '0a1b' },
    ]);

    const logged = {
      modelId: 'm-$(x)',
      experimentId: '1',
      name: hostile,
      artifactUri: '',
      status: 'LOGGED_MODEL_READY',
      modelType: '',
      tags: {},
      params: {},
      metrics: [],
    } as LoggedModel;
    assert.deepEqual(loggedModelItems([logged]), [{ label: hostileShown, description: 'm-\\$(x)', modelId: 'm-$(x)' }]);
  });

  it("the ONNX folders of a model's artifacts", () => {
    const place = { source: { kind: 'run', runId: 'r1' }, root: '', label: `run ${hostile}` } as const;
    const found: FoundOnnxFolder[] = [
      { path: `${hostile}/onnx`, layout: 'genai', depth: 2, place, bytes: 3 * 1024 * 1024 },
      { path: '', layout: 'transformers.js', depth: 0, place, bytes: undefined },
    ];
    assert.deepEqual(onnxFolderItems(found), [
      { label: `${hostileShown}/onnx`, description: 'genai · 3.0 MiB', detail: `run ${hostileShown}`, found: found[0] },
      { label: '(artifact root)', description: 'transformers.js', detail: `run ${hostileShown}`, found: found[1] },
    ]);
  });
});
