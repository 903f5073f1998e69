import * as vscode from 'vscode';
import type { CommandFactory } from './commandFactory';
import { configuredTrackingUri, forgetConnection, rememberConnection, savedConnection, savedConnections } from '../config';
import type { AuthKind, ConnectionState } from '../connectionState';
import { authKindOf } from '../credentials';
import type { MlflowAuth } from '../mlflow/connection';
import { parseTrackingUri } from '../mlflow/trackingUri';
import { notificationText, pickText } from '../views/displayName';
import { webUiUrl } from '../views/webUi';
import { errorMessage } from '../errorMessage';

const defaultLocalServer = 'http://127.0.0.1:5000';

/** What Connect takes from links, tests and other extensions instead of asking. */
export interface ConnectArgument {
  readonly uri: string;
  readonly auth?: MlflowAuth;
  /** Ask how to sign in even when credentials are saved (after they were refused). */
  readonly askAuth?: boolean;
}

interface ServerPick extends vscode.QuickPickItem {
  readonly uri: string;
}

/** Recent servers, MLFLOW_TRACKING_URI and the local default, or whatever the user types. */
async function pickServer(): Promise<string | undefined> {
  const active = configuredTrackingUri();
  const items: ServerPick[] = [];
  const seen = new Set<string>();
  const add = (uri: string, description: string, detail?: string) => {
    if (seen.has(uri)) return;
    seen.add(uri);
    items.push({ label: uri, uri, description, detail });
  };
  for (const saved of savedConnections()) {
    add(saved.uri, `${saved.uri === active ? 'active · ' : ''}recent · ${describeAuth(saved.auth)}`);
  }
  const fromEnvironment = process.env.MLFLOW_TRACKING_URI?.trim();
  if (fromEnvironment) add(fromEnvironment, 'MLFLOW_TRACKING_URI');
  add(defaultLocalServer, 'local server (mlflow server / mlflow ui)');

  const pick = vscode.window.createQuickPick<ServerPick>();
  pick.title = 'Connect to an MLflow Tracking Server';
  pick.placeholder = 'Pick a server or type its URI (http://, https:// or azureml://)';
  pick.ignoreFocusOut = true;
  pick.items = items;
  pick.onDidChangeValue((value) => {
    const typed = value.trim();
    if (!typed || seen.has(typed)) {
      pick.items = items;
      return;
    }
    let detail: string | undefined;
    try {
      parseTrackingUri(typed);
    } catch (error) {
      detail = errorMessage(error);
    }
    pick.items = [{ label: typed, uri: typed, description: 'typed', detail, alwaysShow: true }, ...items];
  });
  try {
    return await new Promise<string | undefined>((resolvePick) => {
      pick.onDidAccept(() => {
        const chosen = pick.selectedItems[0]?.uri ?? pick.value.trim();
        resolvePick(chosen || undefined);
        pick.hide();
      });
      pick.onDidHide(() => resolvePick(undefined));
      pick.show();
    });
  } finally {
    pick.dispose();
  }
}

function describeAuth(kind: AuthKind): string {
  return kind === 'none' ? 'no sign-in' : kind === 'basic' ? 'username and password' : 'token';
}

/** Asks how to sign in, then for the secret; undefined when the user cancels. */
async function askAuth(uri: string): Promise<MlflowAuth | undefined> {
  const current = savedConnection(uri)?.auth;
  const choices: Array<vscode.QuickPickItem & { auth: AuthKind }> = [
    { auth: 'none', label: 'No authentication', description: 'a local or open server' },
    {
      auth: 'basic',
      label: 'Username and password',
      description: 'mlflow server --app-name basic-auth, MLFLOW_TRACKING_USERNAME/PASSWORD',
    },
    { auth: 'token', label: 'Token', description: 'a bearer token, as MLFLOW_TRACKING_TOKEN' },
  ];
  const chosen = await vscode.window.showQuickPick(
    choices.map((c) => ({ ...c, picked: c.auth === current, detail: c.auth === current ? 'as saved' : undefined })),
    { title: `Sign-in for ${uri}`, placeHolder: 'How does this server authenticate?', ignoreFocusOut: true },
  );
  if (!chosen) return undefined;
  if (chosen.auth === 'none') return { kind: 'none' };
  if (chosen.auth === 'token') {
    const token = await vscode.window.showInputBox({
      title: `Token for ${uri}`,
      prompt: "Kept in VS Code's secret storage, never in settings",
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'Enter the token'),
    });
    return token ? { kind: 'bearer', token: token.trim() } : undefined;
  }
  const username = await vscode.window.showInputBox({
    title: `Username for ${uri}`,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : 'Enter the username'),
  });
  if (!username) return undefined;
  const password = await vscode.window.showInputBox({
    title: `Password for ${username.trim()} on ${uri}`,
    prompt: "Kept in VS Code's secret storage, never in settings",
    password: true,
    ignoreFocusOut: true,
  });
  if (password === undefined) return undefined;
  return { kind: 'basic', username: username.trim(), password };
}

/**
 * Connects to a server: picked from recent ones or typed, then how to sign in. The URI and the auth
 * kind are saved in settings and the secret in SecretStorage only once the server has answered, so a
 * typo or a wrong password never replaces a working connection.
 * With an argument (a URI string, or `{ uri, auth }`), nothing is asked: saved credentials are used.
 */
export const connect: CommandFactory =
  (ctx) =>
  async (arg?: unknown): Promise<ConnectionState | undefined> => {
    let raw: string | undefined;
    let auth: MlflowAuth | undefined;
    if (typeof arg === 'string') raw = arg;
    else if (arg && typeof arg === 'object' && typeof (arg as ConnectArgument).uri === 'string') {
      ({ uri: raw, auth } = arg as ConnectArgument);
      if (!auth && (arg as ConnectArgument).askAuth) {
        auth = await askAuth(raw.trim());
        if (!auth) return undefined;
      }
    } else {
      raw = await pickServer();
      if (raw === undefined) return undefined;
      try {
        parseTrackingUri(raw);
      } catch (error) {
        void vscode.window.showErrorMessage(notificationText(errorMessage(error)));
        return ctx.connection;
      }
      const saved = savedConnection(raw.trim());
      const savedAuth = saved ? await ctx.credentials.get(saved.uri, saved.auth) : undefined;
      // A saved connection with its secret connects straight away; a new one asks how to sign in.
      auth = savedAuth ?? (await askAuth(raw.trim()));
      if (!auth) return undefined;
    }
    let state: ConnectionState;
    try {
      state = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: pickText(`Connecting to ${raw.trim()}…`) },
        () => ctx.connect(raw, auth),
      );
    } catch (error) {
      void vscode.window.showErrorMessage(notificationText(errorMessage(error)));
      return ctx.connection;
    }
    if (state.kind === 'connected') {
      if (auth) await ctx.credentials.store(state.uri.original, auth);
      await rememberConnection({ uri: state.uri.original, auth: auth ? authKindOf(auth) : state.authKind });
      await vscode.workspace.getConfiguration('phi3Mlflow').update('trackingUri', state.uri.original, vscode.ConfigurationTarget.Global);
    } else if (state.kind === 'unreachable' || state.kind === 'authFailed') {
      const retry = state.kind === 'authFailed' ? 'Sign In Again' : 'Retry';
      void vscode.window.showErrorMessage(notificationText(state.message), retry).then((answer) => {
        if (answer === 'Retry')
          void vscode.commands.executeCommand('phi3Mlflow.connect', state.kind === 'unreachable' ? state.uri.original : undefined);
        if (answer === 'Sign In Again')
          void vscode.commands.executeCommand('phi3Mlflow.connect', { uri: state.uri.original, askAuth: true } satisfies ConnectArgument);
      });
    }
    return state;
  };

export const disconnect: CommandFactory = (ctx) => async (): Promise<ConnectionState> => {
  await ctx.disconnect();
  return ctx.connection;
};

/** Removes a saved connection and its secret (from the palette: pick one). */
export const forgetConnectionCommand: CommandFactory =
  (ctx) =>
  async (arg?: unknown): Promise<void> => {
    const uri =
      typeof arg === 'string'
        ? arg
        : (
            await vscode.window.showQuickPick(
              savedConnections().map((c) => ({ label: c.uri, description: describeAuth(c.auth) })),
              { title: 'Forget a Saved MLflow Connection' },
            )
          )?.label;
    if (!uri) return;
    await forgetConnection(uri);
    await ctx.credentials.delete(uri);
    if (ctx.connection.kind !== 'disconnected' && 'uri' in ctx.connection && ctx.connection.uri.original === uri) await ctx.disconnect();
  };

/**
 * Changes how a connection signs in: asks the auth kind again (the saved one marked) and the new
 * secret, then connects with it. As with Connect, the new kind goes to settings and the secret to
 * SecretStorage (or is deleted, for no authentication) only once the server has accepted them.
 */
export const editConnection: CommandFactory =
  (ctx) =>
  async (arg?: unknown): Promise<ConnectionState | undefined> => {
    let uri = typeof arg === 'string' ? arg.trim() : undefined;
    if (!uri) {
      const state = ctx.connection;
      const active = 'uri' in state ? state.uri.original : undefined;
      const choices = savedConnections().map((c) => ({
        label: c.uri,
        description: `${c.uri === active ? 'active · ' : ''}${describeAuth(c.auth)}`,
      }));
      if (active && !choices.some((c) => c.label === active)) choices.unshift({ label: active, description: 'active · not saved yet' });
      if (choices.length === 0) {
        void vscode.window.showInformationMessage('No saved MLflow connection to edit: connect to a tracking server first.');
        return undefined;
      }
      uri =
        choices.length === 1
          ? choices[0]!.label
          : (await vscode.window.showQuickPick(choices, { title: 'Edit an MLflow Connection', placeHolder: 'Whose sign-in to change' }))
              ?.label;
    }
    if (!uri) return undefined;
    return vscode.commands.executeCommand<ConnectionState | undefined>('phi3Mlflow.connect', {
      uri,
      askAuth: true,
    } satisfies ConnectArgument);
  };

/** Opens the server's web UI, or the page of the node the command was run on. */
export const openInBrowser: CommandFactory =
  (ctx) =>
  async (node?: unknown): Promise<string | undefined> => {
    const state = ctx.connection;
    if (state.kind !== 'connected') {
      void vscode.window.showInformationMessage('Connect to an MLflow tracking server first.');
      return undefined;
    }
    const url = webUiUrl(state.uri.restBase, node);
    await vscode.env.openExternal(vscode.Uri.parse(url, true));
    return url;
  };

export const showLog: CommandFactory = (ctx) => (): void => {
  ctx.log.show(true);
};
