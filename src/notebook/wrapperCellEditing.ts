import * as vscode from 'vscode';
import { wrapperCellLanguage } from './wrapperSpec';
import { wrapperSchemaProblems } from './wrapperSchemaCheck';
import { wrapperSchemaCompletions } from './wrapperSchemaCompletion';

/** How long typing pauses before a cell is checked again. */
const checkDelayMs = 300;

/**
 * What the JSON schema gives `mlflow-wrapper` cells while they are typed, without any YAML extension:
 * diagnostics on the line they are about (checked a moment after typing pauses), and completion of
 * keys and allowed values. Running a cell still checks what the schema cannot (the folder, the example).
 */
export function registerWrapperCellEditing(): vscode.Disposable {
  const diagnostics = vscode.languages.createDiagnosticCollection('mlflow-wrapper');
  const pending = new Map<string, NodeJS.Timeout>();
  const isWrapperCell = (document: vscode.TextDocument) => document.languageId === wrapperCellLanguage;

  const check = (document: vscode.TextDocument) => {
    pending.delete(document.uri.toString());
    if (document.isClosed || !isWrapperCell(document)) return;
    diagnostics.set(
      document.uri,
      wrapperSchemaProblems(document.getText()).map((p) => {
        const diagnostic = new vscode.Diagnostic(
          new vscode.Range(p.line, p.column, p.endLine, Math.max(p.endColumn, p.column + (p.endLine === p.line ? 1 : 0))),
          p.message,
          vscode.DiagnosticSeverity.Error,
        );
        diagnostic.source = 'mlflow-wrapper schema';
        return diagnostic;
      }),
    );
  };
  const schedule = (document: vscode.TextDocument) => {
    const key = document.uri.toString();
    clearTimeout(pending.get(key));
    if (!isWrapperCell(document)) {
      // A cell switched to another language keeps no wrapper diagnostics.
      pending.delete(key);
      diagnostics.delete(document.uri);
      return;
    }
    pending.set(
      key,
      setTimeout(() => check(document), checkDelayMs),
    );
  };

  vscode.workspace.textDocuments.filter(isWrapperCell).forEach(check);
  return vscode.Disposable.from(
    diagnostics,
    vscode.workspace.onDidOpenTextDocument((document) => isWrapperCell(document) && check(document)),
    vscode.workspace.onDidChangeTextDocument((event) => schedule(event.document)),
    vscode.workspace.onDidCloseTextDocument((document) => {
      clearTimeout(pending.get(document.uri.toString()));
      pending.delete(document.uri.toString());
      diagnostics.delete(document.uri);
    }),
    vscode.languages.registerCompletionItemProvider(
      { language: wrapperCellLanguage },
      {
        provideCompletionItems(document, position) {
          return wrapperSchemaCompletions(document.getText(), position.line, position.character).map((c) => {
            const item = new vscode.CompletionItem(
              c.label,
              c.kind === 'key' ? vscode.CompletionItemKind.Property : vscode.CompletionItemKind.EnumMember,
            );
            item.insertText = c.insertText;
            item.range = new vscode.Range(position.line, c.replaceFrom, position.line, position.character);
            if (c.detail) item.detail = c.detail;
            if (c.documentation) item.documentation = new vscode.MarkdownString().appendText(c.documentation);
            // A key that opens a mapping or list: ask for what goes in it right away.
            if (c.insertText.endsWith('\n') || /\n\s*(- )?$/.test(c.insertText))
              item.command = { title: 'Suggest', command: 'editor.action.triggerSuggest' };
            return item;
          });
        },
      },
      ':',
      ' ',
    ),
    { dispose: () => pending.forEach((timer) => clearTimeout(timer)) },
  );
}
