import { LoggerService } from '@backstage/backend-plugin-api';

/**
 * A logger keeping every line as `<level> <message>[ <fields>]`, for tests
 * that search the log (for progress, or for secrets that must not be there).
 * With `fields: false` only the messages are kept.
 */
export function capturingLogger(options: { fields?: boolean } = {}) {
  const withFields = options.fields ?? true;
  const lines: string[] = [];
  const record = (level: string) => (message: string, meta?: unknown) => {
    const fields =
      meta instanceof Error
        ? `${meta.name}: ${meta.message}`
        : JSON.stringify(meta);
    lines.push(`${level} ${message}${withFields && meta ? ` ${fields}` : ''}`);
  };
  const logger: LoggerService = {
    error: record('error'),
    warn: record('warn'),
    info: record('info'),
    debug: record('debug'),
    child: () => logger,
  };
  return { logger, lines };
}
