import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Throwaway PKI for TLS tests, as files in a temporary folder: paths to PEM files. */
export interface TlsMaterial {
  readonly dir: string;
  /** The test CA's certificate: what MLFLOW_TRACKING_SERVER_CERT_PATH points at. */
  readonly caCert: string;
  /** The server's certificate (for 127.0.0.1 and localhost, signed by the CA) and its key. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** A client certificate signed by the CA with its key in one file, as MLFLOW_TRACKING_CLIENT_CERT_PATH takes it. */
  readonly clientPem: string;
  /** Another CA: trusting it alone must not let the server in, nor its client certificate the client. */
  readonly otherCaCert: string;
  /** A client certificate (with its key) signed by the other CA, which the server must refuse. */
  readonly foreignClientPem: string;
  readonly remove: () => void;
}

/**
 * Makes a CA, a server certificate and a client certificate with `openssl`, valid for two days,
 * P-256 keys (fast to make). Nothing here is trusted by the system: the tests decide what is.
 */
export function createTlsMaterial(): TlsMaterial {
  const dir = mkdtempSync(join(tmpdir(), 'phi3-mlflow-tls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const makeCa = (name: string, subject: string) =>
    openssl(
      'req',
      '-x509',
      ...key,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      subject,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
  makeCa('ca', '/CN=phi3-mlflow test CA');
  makeCa('other-ca', '/CN=phi3-mlflow unrelated CA');
  let serial = Date.now();
  const issue = (name: string, subject: string, extensions: string[], ca = 'ca') => {
    writeFileSync(join(dir, `${name}.ext`), `${extensions.join('\n')}\n`);
    openssl('req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.pem`,
      '-CAkey',
      `${ca}.key`,
      '-set_serial',
      String(serial++),
      '-days',
      '2',
      '-out',
      `${name}.pem`,
      '-extfile',
      `${name}.ext`,
    );
    const withKey = join(dir, `${name}-with-key.pem`);
    writeFileSync(withKey, Buffer.concat([readFileSync(join(dir, `${name}.pem`)), readFileSync(join(dir, `${name}.key`))]));
    return withKey;
  };
  const leaf = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature'];
  issue('server', '/CN=127.0.0.1', [...leaf, 'extendedKeyUsage=serverAuth', 'subjectAltName=IP:127.0.0.1,DNS:localhost']);
  const clientPem = issue('client', '/CN=phi3-mlflow test client', [...leaf, 'extendedKeyUsage=clientAuth']);
  const foreignClientPem = issue('foreign-client', '/CN=phi3-mlflow foreign client', [...leaf, 'extendedKeyUsage=clientAuth'], 'other-ca');
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientPem,
    otherCaCert: join(dir, 'other-ca.pem'),
    foreignClientPem,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
