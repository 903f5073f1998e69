import type { Ctx } from '../context';

/**
 * Commands are factories over the shared context: `(ctx) => handler`, registered in extension.ts.
 * They live in src/commands/, one file per area: connection, experiments and runs, artifacts,
 * the model registry, metric charts.
 */
export type CommandFactory = (ctx: Ctx) => (...args: unknown[]) => unknown;
