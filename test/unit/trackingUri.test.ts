import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTrackingUri, TrackingUriError } from '../../src/mlflow/trackingUri';

describe('parseTrackingUri', () => {
  it('keeps an http server as it is, without a trailing slash', () => {
    assert.deepEqual(parseTrackingUri('  http://127.0.0.1:5000/ '), {
      restBase: 'http://127.0.0.1:5000',
      original: 'http://127.0.0.1:5000/',
    });
  });

  it('keeps a path prefix (a server behind a reverse proxy)', () => {
    assert.equal(parseTrackingUri('https://example.com/mlflow//').restBase, 'https://example.com/mlflow');
  });

  it('turns an Azure ML tracking URI into its HTTPS REST base', () => {
    const uri =
      'azureml://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws';
    assert.equal(
      parseTrackingUri(uri).restBase,
      'https://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws',
    );
  });

  it('refuses local stores, saying they have no REST API', () => {
    assert.throws(
      () => parseTrackingUri('sqlite:///mlflow.db'),
      (error: Error) => error instanceof TrackingUriError && /local store, which has no REST API/.test(error.message),
    );
    assert.throws(() => parseTrackingUri('file:///tmp/mlruns'), /local store/);
  });

  it('refuses credentials in the URI, because the URI is stored in settings', () => {
    assert.throws(
      () => parseTrackingUri('http://alice:secret@host:5000'),
      (error: Error) => /sign-in step/.test(error.message) && !error.message.includes('secret'),
    );
  });

  it('refuses empty input and non-URIs with a hint', () => {
    assert.throws(() => parseTrackingUri('   '), /No tracking server given/);
    assert.throws(() => parseTrackingUri('localhost5000'), /is not a URI: enter one such as http:\/\/127\.0\.0\.1:5000/);
    assert.throws(() => parseTrackingUri('ftp://host'), /uses ftp/);
  });
});
