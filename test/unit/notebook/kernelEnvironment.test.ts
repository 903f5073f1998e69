import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernelEnvironment } from '../../../src/notebook/kernelEnvironment';

describe("kernelEnvironment: the MLflow connection handed to the notebook's Python", () => {
  const base = {
    PATH: '/usr/bin',
    MLFLOW_TRACKING_URI: 'http://other:5000',
    MLFLOW_TRACKING_USERNAME: 'other',
    MLFLOW_TRACKING_PASSWORD: 'other-secret',
    MLFLOW_TRACKING_TOKEN: 'other-token',
  };

  it("sets the tracking URI and basic credentials, dropping another server's", () => {
    assert.deepEqual(
      kernelEnvironment(base, { uri: 'http://127.0.0.1:5000', auth: { kind: 'basic', username: 'admin', password: 'pw' } }),
      {
        PATH: '/usr/bin',
        MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000',
        MLFLOW_TRACKING_USERNAME: 'admin',
        MLFLOW_TRACKING_PASSWORD: 'pw',
      },
    );
  });

  it('sets a token, or no credentials at all for a server without auth', () => {
    assert.deepEqual(kernelEnvironment(base, { uri: 'https://mlflow.example', auth: { kind: 'bearer', token: 't' } }), {
      PATH: '/usr/bin',
      MLFLOW_TRACKING_URI: 'https://mlflow.example',
      MLFLOW_TRACKING_TOKEN: 't',
    });
    assert.deepEqual(kernelEnvironment(base, { uri: 'http://127.0.0.1:5000', auth: { kind: 'none' } }), {
      PATH: '/usr/bin',
      MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000',
    });
  });

  it('leaves the environment as it is without a connection, and never changes the one given', () => {
    const copy = { ...base };
    assert.deepEqual(kernelEnvironment(base, undefined), base);
    kernelEnvironment(base, { uri: 'http://x', auth: { kind: 'none' } });
    assert.deepEqual(base, copy);
  });
});
