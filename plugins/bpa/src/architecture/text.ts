/**
 * Text measurement without a browser, so the layout is a pure function a
 * test can check. Widths are per character class of a sans-serif font (the
 * theme's Roboto/Helvetica/Arial), rounded up: a label laid out with them
 * takes at most the space the estimate says. Digits are as wide as each
 * other in these fonts and in DejaVu Sans (Debian's fallback), 0.64 em.
 */

const NARROW = new Set([..."iljtfrI.,:;|!'()[]/· "]);
const WIDE = new Set([...'mwMW@%']);

/** Estimated width of `text` in pixels at `fontSize`, never less than the real one. */
export function textWidth(text: string, fontSize: number, bold = false) {
  let ems = 0;
  for (const char of text) {
    if (NARROW.has(char)) ems += 0.34;
    else if (WIDE.has(char)) ems += 0.92;
    else if (char >= 'A' && char <= 'Z') ems += 0.7;
    else if (char >= '0' && char <= '9') ems += 0.64;
    else ems += 0.58;
  }
  return Math.ceil(ems * fontSize * (bold ? 1.07 : 1));
}

/** `text`, cut with an ellipsis where needed so that it fits `width`. */
export function fitText(
  text: string,
  width: number,
  fontSize: number,
  bold = false,
): string {
  if (textWidth(text, fontSize, bold) <= width) return text;
  let cut = text;
  while (cut.length > 0 && textWidth(`${cut}…`, fontSize, bold) > width) {
    cut = cut.slice(0, -1);
  }
  return cut.length > 0 ? `${cut.trimEnd()}…` : '';
}
