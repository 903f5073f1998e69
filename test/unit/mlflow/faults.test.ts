import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runArtifacts } from '../../../src/mlflow/artifacts';
import { MlflowClient } from '../../../src/mlflow/client';
import { MlflowError } from '../../../src/mlflow/errors';
import { wrapperRequirements } from '../../../src/mlflow/modelDirectory/environmentFiles';
import { allItems, collect } from '../../../src/mlflow/paging';
import { loadChartData } from '../../../src/charts/metricChartData';
import { parseMlflowVersion } from '../../../src/mlflow/serverVersion';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { freePort } from '../../harness/freePort';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';
import { json, startStubServer } from '../../harness/stubServer';
import { writeLargeFile } from '../../harness/largeFile';
import { waitForQueuedRequest } from '../../harness/queuedRequests';

const clientFor = (url: string, options = {}) => new MlflowClient({ uri: parseTrackingUri(url), auth: { kind: 'none' } }, options);

describe('faults against a real server', () => {
  let scratch: string;
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-faults-'));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('a server that is not running: Cannot reach … (connection refused)', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    await assert.rejects(clientFor(url).experiments.get('0'), (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.equal(error.kind, 'unreachable');
      assert.equal(error.message, `Cannot reach ${url} (connection refused)`);
      return true;
    });
  });

  describe('a server killed mid-transfer', () => {
    let server: MlflowServer;
    before(async () => {
      server = await startMlflowServer();
    });
    after(async () => server?.stop());

    it('during a download: an interrupted error, and no file left that looks complete', async () => {
      const client = clientFor(server.url);
      const run = await client.runs.create('0', { runName: 'big' });
      await client.artifacts.upload(run.info, await writeLargeFile(join(scratch, 'weights.bin'), 256));
      const target = join(scratch, 'download');
      let killed = false;
      await assert.rejects(
        // Through the artifact proxy: ranges fetched in parallel, and one of them cut off.
        client.artifacts.download(runArtifacts(run.info.runId, run.info.artifactUri), 'weights.bin', target, {
          onProgress: (done) => {
            if (!killed && done > 16 * 1024 * 1024) {
              killed = true;
              server.signal('SIGKILL');
            }
          },
        }),
        (error: unknown) => {
          assert.ok(error instanceof MlflowError, String(error));
          assert.equal(error.kind, 'interrupted');
          assert.match(error.message, /^Download of weights\.bin stopped at \d+ of 268435456 bytes: /);
          return true;
        },
      );
      assert.ok(killed);
      assert.deepEqual(readdirSync(target), []);
    });
  });

  it('killed during a folder download and during a pending listing: "Cannot reach", the complete files kept, no partial one, the message says which; started again on its port, the same client lists and finishes', async () => {
    const dataDir = mkdtempSync(join(scratch, 'killed-server-'));
    let server = await startMlflowServer({ dataDir });
    const port = server.port;
    try {
      const client = clientFor(server.url);
      const run = await client.runs.create('0', { runName: 'killed-mid-folder' });
      const folder = join(scratch, 'weights');
      mkdirSync(folder);
      writeFileSync(join(folder, '1-config.json'), '{"model": "phi3"}');
      await writeLargeFile(join(folder, '2-weights.bin'), 64);
      writeFileSync(join(folder, '3-tokenizer.json'), '{}');
      await client.artifacts.upload(run.info, folder);
      const source = runArtifacts(run.info.runId, run.info.artifactUri);
      const target = join(scratch, 'killed-folder-download');

      // (a) Killed 16 MiB into the second of three files.
      let killed = false;
      await assert.rejects(
        client.artifacts.download(source, 'weights', target, {
          onProgress: (done) => {
            if (!killed && done > 17 + 16 * 1024 * 1024) {
              killed = true;
              server.signal('SIGKILL');
            }
          },
        }),
        (error: unknown) => {
          assert.ok(error instanceof MlflowError, String(error));
          assert.equal(error.kind, 'interrupted');
          assert.match(
            error.message,
            new RegExp(
              `^Download of weights/2-weights\\.bin stopped at \\d+ of 67108864 bytes: .+; the 1 complete file of 3 was kept in ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, and no partial file$`,
            ),
          );
          return true;
        },
      );
      assert.ok(killed);
      await server.stop();
      assert.deepEqual(readdirSync(target), ['weights']);
      assert.deepEqual(readdirSync(join(target, 'weights')), ['1-config.json']);
      assert.equal(readFileSync(join(target, 'weights', '1-config.json'), 'utf8'), '{"model": "phi3"}');

      // (b) A listing pending on a frozen server when it is killed: the same message, no hang.
      server = await startMlflowServer({ dataDir, port });
      assert.equal(server.url, `http://127.0.0.1:${port}`);
      assert.deepEqual(
        (await collect(client.artifacts.list(source))).map((f) => f.path),
        ['weights'],
      );
      server.signal('SIGSTOP');
      const pending = collect(client.artifacts.list(source, 'weights'));
      pending.catch(() => undefined);
      await waitForQueuedRequest(port);
      server.signal('SIGKILL');
      await assert.rejects(pending, (error: unknown) => {
        assert.ok(error instanceof MlflowError, String(error));
        assert.equal(error.kind, 'unreachable');
        assert.equal(error.message, `Cannot reach ${server.url} (connection refused)`);
        return true;
      });
      await server.stop();

      // Started again on the same port, with the same store: the same client lists, and the
      // download finishes, leaving the kept file as it was.
      server = await startMlflowServer({ dataDir, port });
      assert.deepEqual(
        (await collect(client.artifacts.listFiles(source, 'weights'))).map((f) => [f.path, f.fileSize]),
        [
          ['weights/1-config.json', 17],
          ['weights/2-weights.bin', 67108864],
          ['weights/3-tokenizer.json', 2],
        ],
      );
      const again = await client.artifacts.download(source, 'weights', target);
      assert.deepEqual(again, { files: 2, bytes: 67108864 + 2, skipped: ['weights/1-config.json'], refused: [] });
      assert.deepEqual(readdirSync(join(target, 'weights')).sort(), ['1-config.json', '2-weights.bin', '3-tokenizer.json']);
      const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
      assert.equal(sha256(join(target, 'weights', '2-weights.bin')), sha256(join(folder, '2-weights.bin')));
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('during an upload: an interrupted error that says how far it got', async () => {
    const server = await startMlflowServer();
    try {
      const client = clientFor(server.url);
      const run = await client.runs.create('0', { runName: 'upload' });
      const file = await writeLargeFile(join(scratch, 'upload.bin'), 256);
      let killed = false;
      await assert.rejects(
        client.artifacts.upload(run.info, file, '', {
          onProgress: (done) => {
            if (!killed && done > 16 * 1024 * 1024) {
              killed = true;
              server.signal('SIGKILL');
            }
          },
        }),
        (error: unknown) => {
          assert.ok(error instanceof MlflowError, String(error));
          assert.ok(['interrupted', 'unreachable'].includes(error.kind), error.kind);
          assert.match(error.message, /^Upload of upload\.bin stopped after \d+ of 268435456 bytes: Cannot reach /);
          return true;
        },
      );
    } finally {
      await server.stop();
    }
  });

  it('a server frozen mid-download: an interrupted error once it has sent nothing for the time limit, and no file left', async () => {
    const server = await startMlflowServer();
    try {
      const client = clientFor(server.url, { timeoutMs: 3000 });
      const run = await client.runs.create('0', { runName: 'frozen' });
      await client.artifacts.upload(run.info, await writeLargeFile(join(scratch, 'frozen.bin'), 128));
      const target = join(scratch, 'download-frozen');
      let frozen = false;
      await assert.rejects(
        client.artifacts.download(runArtifacts(run.info.runId, run.info.artifactUri), 'frozen.bin', target, {
          onProgress: (done) => {
            if (!frozen && done > 16 * 1024 * 1024) {
              frozen = true;
              server.signal('SIGSTOP');
            }
          },
        }),
        (error: unknown) => {
          assert.ok(error instanceof MlflowError, String(error));
          assert.equal(error.kind, 'interrupted');
          // Whichever range noticed first: silence mid-body, or a range whose headers never came.
          assert.match(
            error.message,
            /^Download of frozen\.bin stopped at \d+ of 134217728 bytes: (the server sent nothing for 3 s|.* did not answer GET .* within 3 s)$/,
          );
          return true;
        },
      );
      assert.ok(frozen);
      assert.deepEqual(readdirSync(target), []);
    } finally {
      server.signal('SIGCONT');
      await server.stop();
    }
  });

  it('a frozen server past the timeout: a timeout error naming the call', async () => {
    const server = await startMlflowServer();
    try {
      server.signal('SIGSTOP');
      const started = Date.now();
      await assert.rejects(clientFor(server.url, { timeoutMs: 1500 }).experiments.get('0'), (error: unknown) => {
        assert.ok(error instanceof MlflowError);
        assert.equal(error.kind, 'timeout');
        assert.equal(error.message, `${server.url} did not answer GET /api/2.0/mlflow/experiments/get within 2 s`);
        return true;
      });
      assert.ok(Date.now() - started < 10_000, 'gave up near the timeout');
    } finally {
      server.signal('SIGCONT');
      await server.stop();
    }
  });
});

describe('faults a real server will not produce on demand (stub servers)', () => {
  it('malformed JSON: a malformed error, not a parser crash', async () => {
    const stub = await startStubServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"experiment": {"experiment_id": "1", "name": ');
    });
    try {
      await assert.rejects(clientFor(stub.url).experiments.get('1'), (error: unknown) => {
        assert.ok(error instanceof MlflowError);
        assert.equal(error.kind, 'malformed');
        assert.match(
          error.message,
          /^The server answered GET \/api\/2\.0\/mlflow\/experiments\/get with malformed JSON \(46 bytes: .*\): is this an MLflow server\?$/,
        );
        return true;
      });
    } finally {
      await stub.stop();
    }
  });

  it('a /version with a newline, or 10 MB of it, is an unknown version: never a requirement line, read no further than 1 KiB', async () => {
    const injecting = await startStubServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('3.17.2\n--extra-index-url http://127.0.0.1:9/simple');
    });
    let sent = 0;
    const endless = await startStubServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.on('error', () => undefined);
      // Up to 10 MB in 64 KiB writes, each once the client has taken the last.
      const chunk = Buffer.alloc(64 * 1024, '9');
      const write = () => {
        while (sent < 10 * 1024 * 1024 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', write);
        }
        res.end();
      };
      write();
    });
    try {
      const injected = clientFor(injecting.url);
      assert.equal(await injected.serverVersion(), 'unknown');
      assert.deepEqual(wrapperRequirements(await injected.serverVersion(), 'onnxruntime-genai==0.9.0'), [
        'mlflow',
        'onnxruntime-genai==0.9.0',
      ]);
      assert.deepEqual(await injected.features(), {
        loggedModels: false,
        traces: false,
        traceSpanIngest: false,
        multipartUpload: false,
        pagedMetricHistory: false,
        promptRegistry: false,
        chatPrompts: false,
      });
      assert.equal(await clientFor(endless.url).serverVersion(), 'unknown');
      assert.ok(sent < 10 * 1024 * 1024, `the client stopped reading early (the server wrote ${sent} bytes)`);
    } finally {
      await injecting.stop();
      await endless.stop();
    }
  });

  it("signed URLs from the server: http(s) only, never the tracking server's token, and a silent storage times out", async () => {
    const storageSaw: Array<Record<string, unknown>> = [];
    const storage = await startStubServer((req, res) => {
      storageSaw.push({ url: req.url, authorization: req.headers.authorization, cookie: req.headers.cookie });
      if (req.url?.startsWith('/silent')) return; // never answers
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end('weights');
    });
    let signedUri = '';
    const tracking = await startStubServer((req, res) => {
      if (req.url?.startsWith('/api/2.0/mlflow/artifacts/credentials-for-read'))
        return json(res, 200, {
          credential_infos: [{ run_id: 'r1', path: 'model.onnx', signed_uri: signedUri, type: 'AWS_PRESIGNED_URL' }],
        });
      // A file's own listing is empty, as Databricks answers it.
      if (req.url?.startsWith('/api/2.0/mlflow/artifacts/list')) return json(res, 200, {});
      json(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: req.url });
    });
    const scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-signed-faults-'));
    const source = runArtifacts('r1', 'dbfs:/databricks/mlflow-tracking/1/r1/artifacts');
    const client = new MlflowClient(
      { uri: parseTrackingUri(tracking.url), auth: { kind: 'bearer', token: 'dapi-secret' } },
      { timeoutMs: 1500, maxRetries: 0 },
    );
    try {
      for (const [uri, scheme] of [
        ['file:///etc/passwd', 'file:'],
        ['data:application/octet-stream,weights', 'data:'],
        ['ftp://127.0.0.1/x', 'ftp:'],
      ] as const) {
        signedUri = uri;
        await assert.rejects(client.artifacts.download(source, 'model.onnx', join(scratch, 'refused')), {
          kind: 'malformed',
          message: `The server gave a ${scheme} URL to read model.onnx; only http(s) signed URLs are used`,
        });
      }
      assert.equal(existsSync(join(scratch, 'refused')) ? readdirSync(join(scratch, 'refused')).length : 0, 0, 'nothing written');

      signedUri = `${storage.url}/bucket/model.onnx?X-Amz-Signature=abc`;
      await client.artifacts.download(source, 'model.onnx', join(scratch, 'ok'));
      assert.equal(readFileSync(join(scratch, 'ok', 'model.onnx'), 'utf8'), 'weights');
      assert.deepEqual(
        storageSaw,
        [{ url: '/bucket/model.onnx?X-Amz-Signature=abc', authorization: undefined, cookie: undefined }],
        'the storage never sees the tracking token',
      );

      signedUri = `${storage.url}/silent/model.onnx`;
      await assert.rejects(client.artifacts.download(source, 'model.onnx', join(scratch, 'silent')), (error: unknown) => {
        assert.ok(error instanceof MlflowError);
        assert.equal(error.kind, 'timeout', error.message);
        return true;
      });
    } finally {
      await tracking.stop();
      await storage.stop();
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('a server that gives the same page token forever: the listing stops with a message after the items it had', async () => {
    let pages = 0;
    const stub = await startStubServer((_req, res) => {
      pages += 1;
      json(res, 200, {
        experiments: [{ experiment_id: String(pages), name: `e${pages}`, lifecycle_stage: 'active' }],
        next_page_token: pages === 1 ? 'first' : 'again',
      });
    });
    try {
      const seen: string[] = [];
      await assert.rejects(
        (async () => {
          for await (const experiment of allItems((token) => clientFor(stub.url).experiments.searchPage({}, token)))
            seen.push(experiment.name);
        })(),
        {
          kind: 'malformed',
          message: 'The server gave the same page token twice: the listing stopped after 3 items instead of asking for the same page again',
        },
      );
      assert.deepEqual(seen, ['e1', 'e2', 'e3']);
      assert.equal(pages, 3);
    } finally {
      await stub.stop();
    }
  });

  it('10,000 nested artifact folders: the walk stops at 64 levels with a message, nothing written', async () => {
    let listings = 0;
    const stub = await startStubServer((req, res) => {
      listings += 1;
      const path = new URL(req.url ?? '/', 'http://x').searchParams.get('path') ?? '';
      json(res, 200, { root_uri: 'mlflow-artifacts:/0/r1/artifacts', files: [{ path: path ? `${path}/d` : 'd', is_dir: true }] });
    });
    const scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-deep-'));
    try {
      await assert.rejects(clientFor(stub.url).artifacts.download(runArtifacts('r1'), 'd', join(scratch, 'out')), (error: unknown) => {
        assert.ok(error instanceof MlflowError);
        assert.match(error.message, /^The artifacts go deeper than 64 folders \(at d(\/d){64}…\): not listed further$/);
        return true;
      });
      assert.equal(listings, 64);
      assert.equal(existsSync(join(scratch, 'out')), false);
    } finally {
      await stub.stop();
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('a 200,000-point metric history: the chart loader stops paging at its 100,000-point cap and says one series was cut', async () => {
    let pages = 0;
    const stub = await startStubServer((req, res) => {
      pages += 1;
      const token = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page_token') ?? '0');
      const metrics = Array.from({ length: 25_000 }, (_, i) => ({
        key: 'loss',
        value: i,
        timestamp: 1_700_000_000_000 + token * 25_000 + i,
        step: token * 25_000 + i,
      }));
      json(res, 200, { metrics, ...(token < 7 ? { next_page_token: String(token + 1) } : {}) });
    });
    try {
      const data = await loadChartData(clientFor(stub.url), [{ runId: 'r1', name: 'run', metricKeys: ['loss'] }]);
      assert.equal(data.metrics[0]!.series[0]!.values.length, 100_000);
      assert.equal(data.truncated, 1);
      assert.equal(pages, 5, 'four pages of 25,000 and the one that showed there was more; none after');
    } finally {
      await stub.stop();
    }
  });

  it('a 65 MiB JSON answer is not buffered: a clear error past 64 MiB', async () => {
    const stub = await startStubServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.on('error', () => undefined);
      res.write('{"experiments": [');
      const chunk = Buffer.alloc(1024 * 1024, ' ');
      for (let i = 0; i < 65 && !res.destroyed; i++) res.write(chunk);
      res.end(']}');
    });
    try {
      await assert.rejects(clientFor(stub.url, { maxRetries: 0 }).experiments.searchPage({}), {
        kind: 'malformed',
        message:
          "The server's answer to POST /api/2.0/mlflow/experiments/search is larger than 64 MiB: not read (is this an MLflow server?)",
      });
    } finally {
      await stub.stop();
    }
  });

  describe('an error answer with a 50 MB body: its message from the first 64 KiB, the rest never read', () => {
    const bodyBytes = 50 * 1024 * 1024;
    const cutNote = "(only the first 64 KiB of the server's answer were read)";
    let scratch: string;
    before(() => {
      scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-huge-errors-'));
    });
    after(() => rmSync(scratch, { recursive: true, force: true }));
    /** Answers every request with `status` and 50 MB of text after one line, written as the client takes it. */
    async function hugeErrorServer(status: number) {
      const seen = { sent: 0, finished: false };
      let closed!: () => void;
      const whenClosed = new Promise<void>((resolveClosed) => (closed = resolveClosed));
      const stub = await startStubServer((_req, res) => {
        res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': String(bodyBytes) });
        res.on('error', () => undefined);
        res.on('close', () => {
          seen.finished = res.writableFinished;
          closed();
        });
        const first = Buffer.from('upstream exploded\n');
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const write = () => {
          while (seen.sent < bodyBytes && !res.destroyed) {
            const piece =
              seen.sent === 0
                ? Buffer.concat([first, chunk.subarray(first.length)])
                : chunk.subarray(0, Math.min(chunk.length, bodyBytes - seen.sent));
            seen.sent += piece.length;
            if (!res.write(piece)) return void res.once('drain', write);
          }
          res.end();
        };
        write();
      });
      return { stub, seen, whenClosed };
    }

    async function assertCutShort(server: Awaited<ReturnType<typeof hugeErrorServer>>) {
      await server.whenClosed;
      assert.equal(server.seen.finished, false, 'the server finished sending the whole body');
      // What the kernel's socket buffers took before the client closed: far from all of it.
      assert.ok(server.seen.sent < 16 * 1024 * 1024, `the server wrote ${server.seen.sent} bytes`);
    }

    it('a JSON call (GET experiments/get) answered 500', async () => {
      const server = await hugeErrorServer(500);
      try {
        await assert.rejects(clientFor(server.stub.url, { maxRetries: 0 }).experiments.get('1'), (error: unknown) => {
          assert.ok(error instanceof MlflowError);
          assert.deepEqual([error.kind, error.status, error.serverMessage], ['http', 500, 'upstream exploded']);
          assert.equal(error.message, `The MLflow server failed (500): upstream exploded ${cutNote}`);
          return true;
        });
        await assertCutShort(server);
        assert.equal(server.stub.requests.length, 1);
      } finally {
        await server.stub.stop();
      }
    });

    it('a download through the artifact proxy (read into the file) answered 500: no file left', async () => {
      const server = await hugeErrorServer(500);
      const target = join(scratch, 'huge-error-proxy', 'weights.bin');
      try {
        await assert.rejects(
          clientFor(server.stub.url).artifacts.downloadFile(runArtifacts('r1', 'mlflow-artifacts:/0/r1/artifacts'), 'weights.bin', target),
          {
            kind: 'http',
            message: `The MLflow server failed (500): upstream exploded ${cutNote}`,
          },
        );
        await assertCutShort(server);
        assert.deepEqual(readdirSync(join(scratch, 'huge-error-proxy')), []);
      } finally {
        await server.stub.stop();
      }
    });

    it('a download through /get-artifact (node:http) answered 403', async () => {
      const server = await hugeErrorServer(403);
      const target = join(scratch, 'huge-error-get', 'weights.bin');
      try {
        await assert.rejects(
          clientFor(server.stub.url).artifacts.downloadFile(runArtifacts('r1', 'file:///srv/mlruns/0/r1/artifacts'), 'weights.bin', target),
          {
            kind: 'http',
            message: `Permission denied (403): upstream exploded ${cutNote}`,
          },
        );
        await assertCutShort(server);
        assert.deepEqual(readdirSync(join(scratch, 'huge-error-get')), []);
      } finally {
        await server.stub.stop();
      }
    });

    it('an error body of exactly 64 KiB, then the end: whole, not said to be cut', async () => {
      const message = 'x'.repeat(64 * 1024 - 2);
      const stub = await startStubServer((_req, res) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`${message}\n\n`);
      });
      try {
        await assert.rejects(clientFor(stub.url, { maxRetries: 0 }).experiments.get('1'), {
          kind: 'http',
          message: `The MLflow server failed (500): ${'x'.repeat(300)}`,
        });
      } finally {
        await stub.stop();
      }
    });
  });

  it('a real release number is kept as it is, pre-releases and local versions included', () => {
    for (const text of ['3.17.2', '2.22.5', '3.0.0rc1', '2.9.0.dev0', '3.1.0+db.1'])
      assert.equal(parseMlflowVersion(`${text}\n`).text, text);
    assert.deepEqual(parseMlflowVersion('3.0.0rc1'), { text: '3.0.0rc1', major: 3, minor: 0 });
    for (const text of ['', 'mlflow', '3', '3.1 beta', '<b>3.1</b>', '3.1.0\u202e', 'v3.1.0'])
      assert.equal(parseMlflowVersion(text).text, 'unknown', JSON.stringify(text));
  });

  it('a path-traversal artifact listing: refused before anything is written', async () => {
    const stub = await startStubServer((req, res) => {
      if (req.url?.startsWith('/api/2.0/mlflow/artifacts/list')) {
        const path = new URL(req.url, 'http://x').searchParams.get('path');
        if (path === 'model')
          json(res, 200, {
            files: [
              { path: 'model/ok.txt', is_dir: false, file_size: 2 },
              { path: 'model/../../../escape.txt', is_dir: false, file_size: 6 },
            ],
          });
        else json(res, 200, {});
      } else {
        res.writeHead(200, { 'Content-Length': '6' });
        res.end('owned!');
      }
    });
    const target = mkdtempSync(join(tmpdir(), 'phi3-mlflow-traversal-'));
    try {
      await assert.rejects(clientFor(stub.url).artifacts.download(runArtifacts('r'), 'model', join(target, 'inside')), (error: unknown) => {
        assert.ok(error instanceof MlflowError);
        assert.equal(error.kind, 'unsafe-path');
        assert.equal(
          error.message,
          `Refused artifact path "model/../../../escape.txt": it leads outside the download folder; nothing was written outside ${join(target, 'inside')}`,
        );
        return true;
      });
      assert.equal(existsSync(join(target, 'inside')), false, 'nothing written, not even the safe file');
      assert.equal(existsSync(join(target, 'escape.txt')), false);
      assert.deepEqual(
        stub.requests.filter((r) => r.url.startsWith('/get-artifact')),
        [],
      );
    } finally {
      await stub.stop();
      rmSync(target, { recursive: true, force: true });
    }
  });

  it('a body cut short on a single GET (no byte ranges): an interrupted error saying how far it got, and no file left', async () => {
    const size = 3 * 1024 * 1024;
    const stub = await startStubServer((req, res) => {
      if (req.url?.startsWith('/api/2.0/mlflow/artifacts/list')) return json(res, 200, {});
      res.writeHead(200, { 'Content-Length': String(size) });
      // 1 MiB and a little more, then the connection goes.
      res.write(Buffer.alloc(1024 * 1024 + 4096, 7), () => res.socket?.destroy());
    });
    const target = mkdtempSync(join(tmpdir(), 'phi3-mlflow-cut-'));
    try {
      const progress: number[] = [];
      await assert.rejects(
        clientFor(stub.url).artifacts.download(runArtifacts('r'), 'weights.bin', target, { onProgress: (done) => progress.push(done) }),
        (error: unknown) => {
          assert.ok(error instanceof MlflowError, String(error));
          assert.equal(error.kind, 'interrupted');
          assert.match(error.message, /^Download of weights\.bin stopped at \d+ of 3145728 bytes: the connection dropped$/);
          const at = Number(/stopped at (\d+)/.exec(error.message)![1]);
          assert.ok(at > 0 && at <= 1024 * 1024 + 4096, `stopped at ${at}`);
          return true;
        },
      );
      assert.deepEqual(readdirSync(target), [], 'neither the file nor its partial download');
      assert.ok(progress.every((done) => done < size));
    } finally {
      await stub.stop();
      rmSync(target, { recursive: true, force: true });
    }
  });

  it('retries an idempotent call on 503 and 429 with backoff, and succeeds', async () => {
    let calls = 0;
    const stub = await startStubServer((_req, res) => {
      calls++;
      if (calls === 1) json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' });
      else if (calls === 2) {
        res.writeHead(429, { 'Retry-After': '0' });
        res.end();
      } else json(res, 200, { experiment: { experiment_id: '7', name: 'after-retries' } });
    });
    try {
      const experiment = await clientFor(stub.url, { backoffMs: 10 }).experiments.get('7');
      assert.equal(experiment.name, 'after-retries');
      assert.equal(calls, 3);
    } finally {
      await stub.stop();
    }
  });

  it('does not retry a call that is not idempotent, and gives up after the retry budget', async () => {
    const stub = await startStubServer((_req, res) => json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }));
    try {
      await assert.rejects(clientFor(stub.url, { backoffMs: 5 }).experiments.create('x'), {
        message: 'The MLflow server failed (503 TEMPORARILY_UNAVAILABLE): busy',
      });
      assert.equal(stub.requests.length, 1, 'create is sent once');
      await assert.rejects(clientFor(stub.url, { backoffMs: 5, maxRetries: 2 }).experiments.get('1'), { status: 503 });
      assert.equal(stub.requests.length, 1 + 3, 'get is tried three times with two retries');
    } finally {
      await stub.stop();
    }
  });

  it('a route the server does not have (empty or HTML 404): not an MLflow endpoint', async () => {
    const stub = await startStubServer((req, res) => {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end(req.url?.includes('search') ? '' : '<!doctype html><title>404 Not Found</title>');
    });
    try {
      const client = clientFor(stub.url);
      await assert.rejects(client.experiments.get('1'), {
        message: `${stub.url}/api/2.0/mlflow/experiments/get is not an MLflow API endpoint (404): the server may be an older MLflow or not MLflow at all`,
      });
      await assert.rejects(collect(client.experiments.search()), {
        message: `${stub.url}/api/2.0/mlflow/experiments/search is not an MLflow API endpoint (404): the server may be an older MLflow or not MLflow at all`,
      });
    } finally {
      await stub.stop();
    }
  });
});
