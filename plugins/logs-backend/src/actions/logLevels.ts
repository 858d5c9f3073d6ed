/** Log levels from least to most severe, as ECS and the Logs tab name them. */
export const LOG_LEVELS = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
] as const;

export type LogLevelName = (typeof LOG_LEVELS)[number];

/** A level and every more severe one: "error" means error and fatal. */
export function levelsFrom(level: LogLevelName): string[] {
  return LOG_LEVELS.slice(LOG_LEVELS.indexOf(level));
}
