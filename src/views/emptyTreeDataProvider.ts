import * as vscode from 'vscode';

/**
 * A tree with no items. VS Code shows a view's welcome content (package.json `viewsWelcome`) while
 * its tree is empty, so this is what a view shows before the explorer has anything to list.
 */
export class EmptyTreeDataProvider implements vscode.TreeDataProvider<never> {
  getTreeItem(element: never): vscode.TreeItem {
    return element;
  }

  getChildren(): never[] {
    return [];
  }
}
