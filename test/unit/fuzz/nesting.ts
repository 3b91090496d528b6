/** How deep brackets and braces nest in a text: what the planted "500 on nesting deeper than three" bug reads. */
export function depth(text: string): number {
  let d = 0;
  let max = 0;
  for (const ch of text) {
    if (ch === "[" || ch === "{") max = Math.max(max, ++d);
    else if (ch === "]" || ch === "}") d--;
  }
  return max;
}
