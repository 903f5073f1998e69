import type { Ctx } from '../context';

/** What VS Code calls with a command's arguments; what it returns goes back to `executeCommand`. */
export type Command = (...args: unknown[]) => unknown;

/**
 * Commands are factories over a context: `(ctx) => handler`. Those in src/commands/ (one file per
 * area: connection, experiments and runs, artifacts, the model registry, metric charts) take the
 * shared Ctx; the chat's and the notebook's take their area's context. createCommands (commandTable.ts)
 * puts them all in one table.
 */
export type CommandFactory<C = Ctx> = (context: C) => Command;

/**
 * A command other features call for its answer (e.g. pickChatModel): the error guard does not wrap
 * it, so its callers get its errors and say them where they show things.
 */
export interface InternalCommandFactory<C = Ctx> {
  readonly internal: CommandFactory<C>;
}

/** An area's commands by name (without the `phi3Mlflow.` prefix). */
export type CommandFactories<C = Ctx> = Readonly<Record<string, CommandFactory<C> | InternalCommandFactory<C>>>;
