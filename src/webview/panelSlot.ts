import type * as vscode from 'vscode';

/**
 * A place for one panel of a kind: showing a new one closes the one there, and a panel the user
 * closes leaves the place empty. Held by the context object (src/context.ts), not by a static.
 */
export class PanelSlot<P extends { readonly panel: vscode.WebviewPanel; dispose(): void }> {
  private shown: P | undefined;

  get current(): P | undefined {
    return this.shown;
  }

  show(make: () => P): P {
    this.shown?.dispose();
    const made = make();
    this.shown = made;
    made.panel.onDidDispose(() => {
      if (this.shown === made) this.shown = undefined;
    });
    return made;
  }
}
