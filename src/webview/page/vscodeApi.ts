/**
 * The webview side of VS Code's messaging, typed by the page's protocol: what it sends the host
 * (`ToHost`) and what it keeps across being hidden and shown (`State`).
 */
export interface VsCodeApi<ToHost, State> {
  postMessage(message: ToHost): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi(): unknown;

/** VS Code lets a page acquire its API once: each page calls this once, at load. */
export function vscodeApi<ToHost, State>(): VsCodeApi<ToHost, State> {
  return acquireVsCodeApi() as VsCodeApi<ToHost, State>;
}

/** Listens for the host's messages, typed by the page's protocol (the host is the only sender). */
export function onHostMessage<FromHost>(handle: (message: FromHost) => void): void {
  window.addEventListener('message', (event: MessageEvent<FromHost>) => handle(event.data));
}
