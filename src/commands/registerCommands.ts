import * as vscode from 'vscode';
import type { Ctx } from '../context';
import { errorMessage } from '../errorMessage';
import { notificationText } from '../views/displayName';
import type { CommandEntry } from './commandTable';
import { UserFacingError } from './nodeArgument';

/**
 * Registers the command table as `phi3Mlflow.<name>`, each command behind the one error guard:
 * every failure becomes a message (and, unless it is a UserFacingError, a log line), never an
 * unhandled rejection in the host; the command then answers undefined. Internal commands are
 * registered as they are, so their callers get their errors.
 */
export function registerCommands(ctx: Ctx, commands: Readonly<Record<string, CommandEntry>>): vscode.Disposable {
  return vscode.Disposable.from(
    ...Object.entries(commands).map(([name, { run, internal }]) =>
      vscode.commands.registerCommand(`phi3Mlflow.${name}`, internal ? run : guarded(ctx, name, run)),
    ),
  );
}

function guarded(ctx: Ctx, name: string, run: CommandEntry['run']) {
  return async (...args: unknown[]): Promise<unknown> => {
    try {
      return await run(...args);
    } catch (error) {
      const message = errorMessage(error);
      if (!(error instanceof UserFacingError)) ctx.log.error(`${name}: ${message}`);
      // The message often quotes the server (its error text, a name): never a link in the notification.
      void vscode.window.showErrorMessage(notificationText(message));
      return undefined;
    }
  };
}
