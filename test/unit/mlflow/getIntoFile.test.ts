import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DownloadBuffers, getIntoFile, type GetIntoFileRequest } from '../../../src/mlflow/getIntoFile';
import { freePort } from '../../harness/freePort';
import { openPaths } from '../../harness/openPaths';

/**
 * getIntoFile speaks HTTP/1.1 itself, so these tests answer from a raw TCP server, which splits
 * heads and bodies where a test wants them split and fails in ways MLflow's server does on its own
 * only by chance. What MLflow does answer (ranges, 404, a killed or frozen server) is tested against
 * the real server in artifacts.test.ts and faults.test.ts.
 */
type Answer = (socket: Socket, request: string) => void | Promise<void>;

const pause = (ms: number) => new Promise((resolvePause) => setTimeout(resolvePause, ms));
/** A body where every byte depends on its position: a piece written at the wrong offset shows. */
const patterned = (length: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 7 + (i >> 10)) % 251));
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('getIntoFile: one GET written into a file through fixed buffers', () => {
  let server: Server;
  let url: URL;
  let answer: Answer;
  let requests: string[];
  let scratch: string;
  let file: string;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-getintofile-'));
    server = createServer((socket) => {
      let head = '';
      socket.on('data', (chunk) => {
        if (head.includes('\r\n\r\n')) return;
        head += chunk.toString('latin1');
        if (head.includes('\r\n\r\n')) {
          requests.push(head);
          void answer(socket, head);
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/2.0/mlflow-artifacts/artifacts/0/r/artifacts/w.bin?x=1`);
  });
  after(async () => {
    await new Promise((resolveClose) => server.close(resolveClose));
    rmSync(scratch, { recursive: true, force: true });
  });
  beforeEach(() => {
    requests = [];
    file = join(scratch, `target-${Math.random().toString(16).slice(2)}`);
    writeFileSync(file, Buffer.alloc(16, 0xee));
  });

  const get = (overrides: Partial<GetIntoFileRequest> = {}) => {
    const pieces: number[] = [];
    const heads: number[] = [];
    const result = getIntoFile({
      url,
      headers: { Range: 'bytes=16-', Authorization: 'Bearer t' },
      path: file,
      position: 16,
      buffers: new DownloadBuffers(),
      onBytes: (bytes) => pieces.push(bytes),
      onHead: (status) => heads.push(status),
      timeoutMs: 2000,
      ...overrides,
    });
    return { result, pieces, heads };
  };

  it('sends one GET with its headers, and writes the body at its offset however the reads split it', async () => {
    const body = patterned(3 * 1024 * 1024 + 333);
    answer = async (socket) => {
      const head = `HTTP/1.1 206 Partial Content\r\nContent-Length: ${body.length}\r\nContent-Range: bytes 16-${16 + body.length - 1}/${16 + body.length}\r\nX-Twice: a\r\nx-twice: b\r\n\r\n`;
      // The head split inside its blank line, the first body bytes with it, then odd pieces.
      socket.write(head.slice(0, head.length - 3));
      await pause(20);
      socket.write(Buffer.concat([Buffer.from(head.slice(-3)), body.subarray(0, 5)]));
      for (let at = 5; at < body.length; at += 200_003) {
        socket.write(body.subarray(at, Math.min(at + 200_003, body.length)));
        await pause(1);
      }
      socket.end();
    };
    const { result, pieces, heads } = get();
    const got = await result;
    assert.equal(got.status, 206);
    assert.equal(got.headers['content-range'], `bytes 16-${16 + body.length - 1}/${16 + body.length}`);
    assert.equal(got.headers['x-twice'], 'a, b');
    assert.equal(got.written, body.length);
    assert.equal(got.expected, body.length);
    assert.equal(got.failure, undefined);
    assert.deepEqual(heads, [206]);
    assert.equal(
      pieces.reduce((a, b) => a + b, 0),
      body.length,
    );
    const written = readFileSync(file);
    assert.deepEqual(written.subarray(0, 16), Buffer.alloc(16, 0xee), 'the bytes before the offset are untouched');
    assert.equal(sha256(written.subarray(16)), sha256(body));
    assert.equal(requests.length, 1);
    assert.match(requests[0]!, /^GET \/api\/2\.0\/mlflow-artifacts\/artifacts\/0\/r\/artifacts\/w\.bin\?x=1 HTTP\/1\.1\r\n/);
    assert.match(requests[0]!, new RegExp(`\r\nHost: 127\\.0\\.0\\.1:${url.port}\r\n`));
    assert.match(requests[0]!, /\r\nConnection: close\r\n/);
    assert.match(requests[0]!, /\r\nRange: bytes=16-\r\n/);
    assert.match(requests[0]!, /\r\nAuthorization: Bearer t\r\n/);
    assert.ok(!openPaths().includes(file), 'the file is closed once the answer is');
  });

  it('loses no byte of a body that comes faster than the disk takes it (64 MiB in one burst)', async () => {
    const body = patterned(64 * 1024 * 1024);
    answer = (socket) => {
      socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
    };
    const got = await get({ position: 0 }).result;
    assert.equal(got.written, body.length);
    assert.equal(sha256(readFileSync(file)), sha256(body));
  });

  it('an error answer: its body as text, nothing written', async () => {
    answer = (socket) => {
      socket.end(
        'HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 58\r\n\r\n{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "x"}',
      );
    };
    const { result, heads } = get();
    const got = await result;
    assert.equal(got.status, 404);
    assert.equal(got.errorBody, '{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "x"}');
    assert.equal(got.written, 0);
    assert.deepEqual(heads, [], 'onHead is for bodies to write');
    assert.deepEqual(readFileSync(file), Buffer.alloc(16, 0xee));
  });

  it('an error answer that ends with its connection (no Content-Length): the text up to the close', async () => {
    answer = (socket) => {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\n\r\nYou are not authenticated.');
    };
    const got = await get().result;
    assert.equal(got.status, 401);
    assert.equal(got.errorBody, 'You are not authenticated.');
  });

  it('a 2xx answer without Content-Length (chunked): unframed, nothing written, for node:http to take', async () => {
    answer = (socket) => {
      socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    };
    const got = await get().result;
    assert.equal(got.status, 200);
    assert.equal(got.unframed, true);
    assert.equal(got.written, 0);
    assert.deepEqual(readFileSync(file), Buffer.alloc(16, 0xee));
  });

  it('an empty 2xx body (Content-Length: 0): done at once', async () => {
    answer = (socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    };
    const got = await get().result;
    assert.deepEqual([got.status, got.written, got.expected, got.failure], [200, 0, 0, undefined]);
  });

  it('a connection that drops mid-body: resolves with how far the file is whole and why it stopped', async () => {
    const body = patterned(2 * 1024 * 1024);
    // The connection drops once the client has received every byte sent (destroy() would drop bytes still queued here).
    let received = 0;
    let allReceived!: () => void;
    const receivedAll = new Promise<void>((resolveReceived) => (allReceived = resolveReceived));
    answer = async (socket) => {
      socket.write(`HTTP/1.1 206 Partial Content\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.write(body.subarray(0, 700_001));
      await receivedAll;
      socket.destroy();
    };
    const got = await get({ position: 0, onBytes: (bytes) => (received += bytes) >= 700_001 && allReceived() }).result;
    assert.equal(got.status, 206);
    assert.equal(got.written, 700_001);
    assert.equal(got.expected, body.length);
    assert.equal((got.failure as { code?: string }).code, 'ECONNRESET');
    assert.equal(got.failure?.message, 'the connection dropped');
    assert.equal(sha256(readFileSync(file).subarray(0, 700_001)), sha256(body.subarray(0, 700_001)), 'what came is written, in place');
    assert.ok(!openPaths().includes(file));
  });

  it('a server that goes silent mid-body: the failure says for how long, after the time limit', async () => {
    answer = (socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
      socket.write(Buffer.alloc(100, 1)); // and then nothing
    };
    const started = performance.now();
    const got = await get({ timeoutMs: 500 }).result;
    assert.ok(performance.now() - started >= 450);
    assert.equal(got.written, 100);
    assert.equal(got.failure?.message, 'the server sent nothing for 1 s');
    assert.equal((got.failure as { code?: string }).code, 'ETIMEDOUT');
  });

  it('no answer at all within the time limit: rejects (nothing written, safe to ask again)', async () => {
    answer = () => undefined;
    await assert.rejects(get({ timeoutMs: 300 }).result, (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ETIMEDOUT');
      assert.equal(error.message, 'no answer within 300 ms');
      return true;
    });
    assert.ok(!openPaths().includes(file));
  });

  it('something that is not HTTP: rejects, saying what came', async () => {
    answer = (socket) => {
      socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n');
    };
    await assert.rejects(get().result, /^Error: not an HTTP answer: "SSH-2\.0-OpenSSH_9\.6"$/);
  });

  it('a refused connection: rejects with ECONNREFUSED', async () => {
    const closed = new URL(`http://127.0.0.1:${await freePort()}/x`);
    await assert.rejects(get({ url: closed }).result, (error: Error & { code?: string }) => error.code === 'ECONNREFUSED');
    assert.ok(!openPaths().includes(file));
  });

  it('aborted mid-body: rejects with ABORT_ERR once its writes have settled, the file closed', async () => {
    answer = (socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n');
      socket.write(patterned(3 * 1024 * 1024));
    };
    const controller = new AbortController();
    let seen = 0;
    const { result } = get({
      position: 0,
      signal: controller.signal,
      onBytes: (bytes) => (seen += bytes) > 1024 * 1024 && controller.abort(),
    });
    await assert.rejects(result, (error: Error & { code?: string }) => error.code === 'ABORT_ERR');
    assert.ok(!openPaths().includes(file));
  });
});
