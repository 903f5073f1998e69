import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './freePort';
import { codeServerEntry } from './paths';
import { ProcessGroup } from './processGroup';

export interface CodeServerOptions {
  /** The folder the workbench opens. */
  readonly workspace: string;
  /** VSIX files installed into a fresh extensions folder before start, as a user would install them. */
  readonly installVsix?: readonly string[];
  /** User settings written before start. */
  readonly settings?: Record<string, unknown>;
  /** Added to the server's environment, which the extension host inherits. */
  readonly env?: NodeJS.ProcessEnv;
  readonly port?: number;
  /** Keeps user data and extensions here (the demo); otherwise a temporary folder removed on stop. */
  readonly dataDir?: string;
  /** Workspace trust on, so the workbench asks whether to trust the folder (Restricted Mode tests); off by default. */
  readonly workspaceTrust?: boolean;
}

export interface CodeServer {
  readonly url: string;
  readonly port: number;
  readonly workspace: string;
  readonly log: () => string;
  /** `vscode-remote://` URI of a path on this machine, as the workbench's payload parameter takes it. */
  readonly remoteUri: (absolutePath: string) => string;
  readonly stop: () => Promise<void>;
}

const node = process.execPath;

/**
 * Starts the VS Code that the npm package code-server bundles (VS Code 1.100.3), with no auth,
 * telemetry, update checks or workspace-trust prompt (unless `workspaceTrust`), and waits until both of its servers listen.
 */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const port = options.port ?? (await freePort());
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'phi3-mlflow-code-server-'));
  const userDataDir = join(dataDir, 'user-data');
  const extensionsDir = join(dataDir, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'security.workspace.trust.enabled': options.workspaceTrust === true,
        'telemetry.telemetryLevel': 'off',
        // A tree item's tooltip that opens under the mouse covers the row below it and swallows the next click.
        'workbench.hover.delay': 600_000,
        ...options.settings,
      },
      null,
      2,
    ),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, VSCODE_IPC_HOOK_CLI: '' };
  const common = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  for (const vsix of options.installVsix ?? []) {
    const installer = ProcessGroup.start(node, [codeServerEntry, ...common, '--install-extension', vsix, '--force'], { env });
    await installer.waitForOutput(/was successfully installed|is already installed/, 120_000);
    await installer.stop();
  }

  const server = ProcessGroup.start(
    node,
    [
      codeServerEntry,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      ...common,
      '--disable-telemetry',
      '--disable-update-check',
      ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      options.workspace,
    ],
    { env },
  );
  const stop = async () => {
    await server.stop();
    if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await server.waitForOutput(/HTTP server listening on/, 60_000);
    await server.waitForOutput(/Session server listening on/, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    workspace: options.workspace,
    log: () => server.log,
    remoteUri: (absolutePath) => `vscode-remote://127.0.0.1:${port}${absolutePath}`,
    stop,
  };
}
