import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** Where the webview pages are built (scripts/build.mjs): a script and a stylesheet each. */
const pagesFolder = ['dist', 'webview'];

export interface WebviewPage {
  /** The page's bundle in dist/webview/: `<page>.js` and `<page>.css`. */
  readonly page: string;
  readonly title: string;
  /** Static markup the script finds on load (ids it looks up); nothing of the user's goes here. */
  readonly body?: string;
  /** Images as data: URIs too (uPlot's canvases export that way). */
  readonly dataImages?: boolean;
}

/** The options a panel's webview runs with: scripts on, no command links, only the pages' folder readable. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  // No retainContextWhenHidden: the host keeps what the page shows and sends it again when the page comes back.
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: [vscode.Uri.joinPath(extensionUri, ...pagesFolder)] };
}

/**
 * The host side of one webview page: its HTML shell under a strict CSP (nothing remote, no inline
 * script or style: the page's script by nonce, its stylesheet from the extension), the ready
 * handshake, and typed messages both ways.
 *
 * The page is torn down when hidden and built anew when shown; each load says 'ready'. Until then
 * nothing is posted into nothing: on ready the subclass's full state goes first, then, in order, the
 * messages posted meanwhile that it does not cover. Those it covers are not kept (a token appended
 * after a state that holds it already would show twice, and a hidden chat streaming would pile up).
 */
export abstract class WebviewHost<ToView, FromView extends { readonly type: string }> implements vscode.Disposable {
  private ready = false;
  private queued: ToView[] = [];
  private closed = false;
  private readonly subscriptions: vscode.Disposable[] = [];

  protected constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    page: WebviewPage,
    /** Checks a message from the page: anything malformed is dropped (the page is not trusted with shapes). */
    parse: (raw: unknown) => FromView | undefined,
  ) {
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = pageHtml(panel.webview, extensionUri, page);
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((raw) => {
        const message = parse(raw);
        if (!message) return;
        if (message.type === 'ready') this.onReady();
        else void this.onMessage(message);
      }),
      // Hidden, the page is gone: what is posted waits for the next one's 'ready'.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Closed: nothing is posted any more. */
  get disposed(): boolean {
    return this.closed;
  }

  /** Everything a page that has just loaded needs, or nothing yet. */
  protected abstract fullState(): ToView | undefined;

  /** Whether the full state already includes what this message tells the page. */
  protected abstract coveredByFullState(message: ToView): boolean;

  /** A message from the page other than 'ready'. */
  protected abstract onMessage(message: FromView): void | Promise<void>;

  /** A new load of the page, before its full state is taken: what counts per load starts again. */
  protected onPageLoaded(): void {}

  /** Posts to the page; before it is ready, keeps what its full state will not cover. */
  protected post(message: ToView): void {
    if (this.disposed) return;
    if (this.ready) void this.panel.webview.postMessage(message);
    else if (!this.coveredByFullState(message)) this.queued.push(message);
  }

  private onReady(): void {
    const waiting = this.queued;
    this.queued = [];
    this.ready = true;
    this.onPageLoaded();
    const state = this.fullState();
    if (state !== undefined) this.post(state);
    for (const message of waiting) this.post(message);
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.queued = [];
    for (const subscription of this.subscriptions.splice(0)) subscription.dispose();
    this.panel.dispose();
  }
}

function pageHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: WebviewPage): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (extension: 'js' | 'css') =>
    webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...pagesFolder, `${page.page}.${extension}`)).toString();
  const csp = [
    `default-src 'none'`,
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}${page.dataImages ? ' data:' : ''}`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('css')}">
<title>${page.title}</title>
</head>
<body>
${page.body ?? ''}
<script nonce="${nonce}" src="${asset('js')}"></script>
</body>
</html>`;
}
