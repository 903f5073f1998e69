import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { createSecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import type { TlsOptions } from './connection';
import { MlflowError } from './errors';
import { errorMessage } from '../errorMessage';

/** Why the last HTTPS connection closed unanswered right after the server asked for a client certificate. */
export type ClientCertificateRefusal = 'required' | 'rejected';

/**
 * The HTTPS agent for a connection's TLS settings, read the way MLflow's Python client reads them:
 * MLFLOW_TRACKING_INSECURE_TLS skips verification, MLFLOW_TRACKING_SERVER_CERT_PATH is the CA bundle
 * to verify the server with (instead of the system's), MLFLOW_TRACKING_CLIENT_CERT_PATH one PEM file
 * holding the client certificate and its key (what `requests` takes as `cert=`).
 *
 * It also watches each handshake. A server that requires a client certificate and gets none (or one
 * it does not trust) may just close the connection — uvicorn does, without a TLS alert — which the
 * client would only see as "connection reset". On TLS 1.3 the server's CertificateRequest shows as
 * non-empty shared signature algorithms on the client, so a connection that was asked for a
 * certificate and closed before any answer is remembered, and the failure can name the setting.
 */
export class TlsAgent extends HttpsAgent {
  /** Set when a connection closed unanswered after a CertificateRequest; cleared by any answer. */
  clientCertificateRefusal: ClientCertificateRefusal | undefined;
  readonly hasClientCertificate: boolean;

  constructor(tls: TlsOptions, base: string, options: { keepAlive?: boolean } = {}) {
    const secure = secureContextOptions(tls, base);
    super({ keepAlive: options.keepAlive ?? true, rejectUnauthorized: !tls.insecure, ...secure });
    this.hasClientCertificate = secure.cert !== undefined;
  }

  override createConnection(options: RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const socket = super.createConnection(options, callback) as TLSSocket | null | undefined;
    if (!socket) return socket;
    let asked = false;
    let answered = false;
    socket.once('secureConnect', () => {
      asked = socket.getSharedSigalgs().length > 0;
    });
    socket.once('data', () => {
      answered = true;
      this.clientCertificateRefusal = undefined;
    });
    // Registered before the HTTP client's own listeners, so this runs before the request fails
    // ("socket hang up" on the server's end of the stream, or a read error).
    const closed = () => {
      if (asked && !answered) this.clientCertificateRefusal = this.hasClientCertificate ? 'rejected' : 'required';
    };
    socket.once('end', closed);
    socket.once('error', closed);
    socket.once('close', closed);
    return socket;
  }
}

/**
 * The CA, certificate and key from the connection's files, checked now: a missing file or one that
 * is not PEM is refused when the client is made, naming the variable, not at the first call as an
 * OpenSSL error.
 */
export function secureContextOptions(tls: TlsOptions, base: string): SecureContextOptions {
  const options: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  if (tls.serverCertPath) options.ca = readSetting('MLFLOW_TRACKING_SERVER_CERT_PATH', tls.serverCertPath, base);
  if (tls.clientCertPath) {
    const pem = readSetting('MLFLOW_TRACKING_CLIENT_CERT_PATH', tls.clientCertPath, base);
    options.cert = pem;
    options.key = pem;
  }
  // Node ignores a CA file without certificates, and every server would then look untrusted.
  if (options.ca)
    check(() => certificatesIn(options.ca!), 'MLFLOW_TRACKING_SERVER_CERT_PATH', tls.serverCertPath!, 'is not a PEM CA bundle', base);
  if (options.cert)
    check(
      () => createSecureContext({ cert: options.cert, key: options.key }),
      'MLFLOW_TRACKING_CLIENT_CERT_PATH',
      tls.clientCertPath!,
      'is not one PEM file with a certificate and its private key',
      base,
    );
  return options;
}

function certificatesIn(pem: Buffer): X509Certificate[] {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('no certificate in it');
  return blocks.map((block) => new X509Certificate(block));
}

function readSetting(variable: string, path: string, base: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a folder'
            : (code ?? String(error));
    throw settingError(variable, path, `cannot be read (${why})`, base);
  }
}

function check(make: () => unknown, variable: string, path: string, what: string, base: string): void {
  try {
    make();
  } catch (error) {
    // OpenSSL's reason ("no start line", "key values mismatch") without its numeric prefix.
    const reason = errorMessage(error).replace(/^error:[0-9A-F]+:/, '');
    throw settingError(variable, path, `${what} (${reason})`, base);
  }
}

function settingError(variable: string, path: string, problem: string, base: string): MlflowError {
  return new MlflowError('unreachable', `Cannot connect to ${base}: ${variable} ${path} ${problem}`, { method: 'GET', path: '/' });
}
