import fs from 'node:fs';
import Handlebars from 'handlebars';
import { templatePath } from '../templates';

/**
 * Handlebars for shell, SQL and env files: no HTML escaping; every value is
 * written through the helper that quotes it for the target language, and a
 * missing field is an error rather than an empty string (strict mode).
 */
const handlebars = Handlebars.create();

function singleLine(value: unknown, what: string): string {
  const text = String(value);
  if (/[\r\n]/.test(text)) {
    throw new Error(`${what} must be a single line: ${JSON.stringify(text)}`);
  }
  return text;
}

/** Text in a comment or another single-line context. */
handlebars.registerHelper('line', (value: unknown) =>
  singleLine(value, 'Value'),
);

/** A POSIX shell word: single-quoted, embedded quotes closed and escaped. */
handlebars.registerHelper(
  'shellQuote',
  (value: unknown) => `'${String(value).replace(/'/g, `'\\''`)}'`,
);

/**
 * A psql meta-command argument (`\set name <value>`): single-quoted; psql
 * doubles quotes and treats backslashes as escapes inside such quotes.
 */
handlebars.registerHelper(
  'psqlValue',
  (value: unknown) =>
    `'${singleLine(value, 'psql value')
      .replace(/\\/g, '\\\\')
      .replace(/'/g, "''")}'`,
);

/** The value of a KEY=VALUE line. */
handlebars.registerHelper('envValue', (value: unknown) =>
  singleLine(value, 'environment.txt value'),
);

handlebars.registerHelper('concat', (...args: unknown[]) =>
  args.slice(0, -1).map(String).join(''),
);

const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** Renders `templates/<name>` of this package with the given context. */
export function renderTextTemplate(name: string, context: object): string {
  let template = compiled.get(name);
  if (!template) {
    template = handlebars.compile(fs.readFileSync(templatePath(name), 'utf8'), {
      noEscape: true,
      strict: true,
    });
    compiled.set(name, template);
  }
  return template(context);
}
