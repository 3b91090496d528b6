// Media types as HTTP negotiates them: pure functions, no network.

/**
 * Whether a response media type satisfies an Accept header: the most specific range that matches it decides, by its
 * q-value (RFC 9110 §12.5.1), so "application/json;q=0, *\/*" refuses JSON.
 */
export function satisfiesAccept(contentType: string, accept: string): boolean {
  const media = contentType.split(";")[0]!.trim().toLowerCase();
  const [type] = media.split("/");
  let best: { specificity: number; q: number } | undefined;
  for (const part of accept.split(",")) {
    const [range, ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    const specificity = range === media ? 2 : range?.endsWith("/*") && range.slice(0, -2) === type ? 1 : range === "*/*" ? 0 : -1;
    if (specificity < 0) continue;
    const qp = params.find((p) => p.startsWith("q="));
    const q = qp ? Number(qp.slice(2)) : 1;
    if (!best || specificity > best.specificity) best = { specificity, q: Number.isFinite(q) ? q : 0 };
  }
  return best !== undefined && best.q > 0;
}
