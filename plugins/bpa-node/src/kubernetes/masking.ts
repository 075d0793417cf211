/** What a masked secret value reads as. */
export const MASK = '***';

/**
 * Replaces every occurrence of each secret value in a text by `***`, the
 * longest values first so that a value containing another is masked whole.
 * Each value is also masked in the forms a log may show it in: URL-encoded
 * (connection URIs) and base64 (Secret data).
 */
export function maskSecrets(text: string, secrets: Iterable<string>): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    // Very short values would mask ordinary words; no secret here is that short.
    if (secret.length < 4) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(Buffer.from(secret).toString('base64'));
  }
  let masked = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    masked = masked.split(form).join(MASK);
  }
  return masked;
}
