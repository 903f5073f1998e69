import assert from 'node:assert/strict';
import { resolveChatModel } from '../../../src/chat/chatModelPicker';
import * as vscode from 'vscode';
import { chatSignature, promptSignature } from '../../../src/mlflow/scoring/scoringSignature';

/**
 * Cloud endpoints named without asking (a comparison preset, another feature): resolveChatModel
 * checks them as the picker does and gives the chat's ref, which never holds a key or token. The
 * picker itself, with the secret storage, is driven in test/e2e/chatCloudEndpoints.test.ts.
 */
describe('served endpoints named without asking: Azure ML and Databricks through resolveChatModel', () => {
  before(async () => {
    // The commands behind resolveChatModel are there once the extension is active.
    await vscode.extensions.getExtension('phi3-mlflow.phi3-mlflow')!.activate();
  });

  it('an Azure ML scoring URI and deployment become the ref, checked and trimmed', async () => {
    const url = 'https://phi3.eastus2.inference.ml.azure.com/score';
    assert.deepEqual(
      await resolveChatModel({ kind: 'served', provider: 'azureml', url: `${url}/`, deployment: ' blue ', signature: chatSignature }),
      {
        kind: 'served',
        url,
        signature: chatSignature,
        provider: 'azureml',
        deployment: 'blue',
      },
    );
    await assert.rejects(
      resolveChatModel({
        kind: 'served',
        provider: 'azureml',
        url: 'http://phi3.eastus2.inference.ml.azure.com/score',
        signature: chatSignature,
      }),
      {
        message:
          'The Azure ML scoring URI must be https (https://<endpoint>.<region>.inference.ml.azure.com/score): "http:" would send the key in clear text.',
      },
    );
  });

  it('a Databricks invocations URL becomes the ref; a workspace without an endpoint name is refused', async () => {
    const url = 'https://dbc-1234.cloud.databricks.com/serving-endpoints/phi3-prompt/invocations';
    assert.deepEqual(await resolveChatModel({ kind: 'served', provider: 'databricks', url, signature: promptSignature }), {
      kind: 'served',
      url,
      signature: promptSignature,
      provider: 'databricks',
    });
    await assert.rejects(
      resolveChatModel({
        kind: 'served',
        provider: 'databricks',
        url: 'https://dbc-1234.cloud.databricks.com',
        signature: promptSignature,
      }),
      { message: 'A Databricks endpoint URL ends in /serving-endpoints/<name>/invocations: give the endpoint name too.' },
    );
  });

  it('an MLflow scoring server is as before: no provider in its ref', async () => {
    assert.deepEqual(await resolveChatModel({ kind: 'served', url: 'http://127.0.0.1:5001', signature: chatSignature }), {
      kind: 'served',
      url: 'http://127.0.0.1:5001',
      signature: chatSignature,
    });
  });
});
