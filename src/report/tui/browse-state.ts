import type { CheckResult } from "../model.js";
import { FILTERS, type FilterName } from "./format.js";

/** Where the user is in the finished report. Pure data: the keys map to actions, the actions to a new state. */
export interface BrowseState {
  view: "list" | "detail";
  filter: FilterName;
  /** Index of the selected row among the rows the filter shows. */
  selected: number;
  /** First list row on screen. */
  top: number;
  /** First detail line on screen. */
  scroll: number;
}

export type BrowseAction =
  | { type: "move"; by: number }
  | { type: "first" }
  | { type: "last" }
  | { type: "open" }
  | { type: "back" }
  | { type: "filter"; filter: FilterName }
  | { type: "cycle"; by: 1 | -1 }
  | { type: "quit" };

/** What the reducer needs to know of the screen: the rows, and how much of them and of a detail fits. */
export interface BrowseContext {
  results: readonly CheckResult[];
  listHeight: number;
  detailHeight: number;
  /** Lines in the detail of a row, at the current width. */
  detailLength(r: CheckResult): number;
}

export const START: BrowseState = { view: "list", filter: "all", selected: 0, top: 0, scroll: 0 };

export function visibleRows(results: readonly CheckResult[], filter: FilterName): CheckResult[] {
  const f = FILTERS.find((x) => x.name === filter) ?? FILTERS[0];
  return results.filter((r) => f.test(r));
}

const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n));

/** The selection kept inside the rows, and the window moved just enough to show it. */
export function settle(s: BrowseState, count: number, height: number): BrowseState {
  const h = Math.max(1, height);
  const selected = clamp(s.selected, 0, Math.max(0, count - 1));
  let top = clamp(s.top, selected - h + 1, selected);
  top = clamp(top, 0, Math.max(0, count - h));
  return selected === s.selected && top === s.top ? s : { ...s, selected, top };
}

export function reduceBrowse(s: BrowseState, a: BrowseAction, ctx: BrowseContext): BrowseState {
  const rows = visibleRows(ctx.results, s.filter);
  const inDetail = s.view === "detail" && rows[s.selected] !== undefined;
  const detailMax = inDetail ? Math.max(0, ctx.detailLength(rows[s.selected]!) - ctx.detailHeight) : 0;
  switch (a.type) {
    case "move":
      return inDetail ? { ...s, scroll: clamp(s.scroll + a.by, 0, detailMax) } : settle({ ...s, selected: s.selected + a.by }, rows.length, ctx.listHeight);
    case "first":
      return inDetail ? { ...s, scroll: 0 } : settle({ ...s, selected: 0 }, rows.length, ctx.listHeight);
    case "last":
      return inDetail ? { ...s, scroll: detailMax } : settle({ ...s, selected: rows.length - 1 }, rows.length, ctx.listHeight);
    case "open":
      return rows.length === 0 ? s : { ...s, view: "detail", scroll: 0 };
    case "back":
      return { ...s, view: "list" };
    case "filter": {
      // The selected check stays selected when the new filter still shows it.
      const id = rows[s.selected]?.id;
      const next = visibleRows(ctx.results, a.filter);
      const at = next.findIndex((r) => r.id === id);
      return settle({ ...s, view: "list", filter: a.filter, selected: Math.max(0, at), top: at >= 0 ? s.top : 0 }, next.length, ctx.listHeight);
    }
    case "cycle": {
      const i = FILTERS.findIndex((f) => f.name === s.filter);
      const next = FILTERS[(i + a.by + FILTERS.length) % FILTERS.length]!;
      return reduceBrowse(s, { type: "filter", filter: next.name }, ctx);
    }
    case "quit":
      return s;
  }
}

/** The subset of ink's Key the bindings read. */
export interface KeyInfo {
  upArrow: boolean;
  downArrow: boolean;
  leftArrow: boolean;
  rightArrow: boolean;
  pageUp: boolean;
  pageDown: boolean;
  home: boolean;
  end: boolean;
  return: boolean;
  escape: boolean;
  ctrl: boolean;
  shift: boolean;
  tab: boolean;
  backspace: boolean;
  delete: boolean;
}

/** The key bindings. `page` is how many rows (or lines) PgUp and PgDn move. */
export function keyToAction(input: string, key: KeyInfo, view: BrowseState["view"], page: number): BrowseAction | undefined {
  if ((key.ctrl && input === "c") || input === "q") return { type: "quit" };
  if (key.upArrow || input === "k") return { type: "move", by: -1 };
  if (key.downArrow || input === "j") return { type: "move", by: 1 };
  if (key.pageUp || (key.ctrl && input === "b")) return { type: "move", by: -Math.max(1, page) };
  if (key.pageDown || input === " " || (key.ctrl && input === "f")) return { type: "move", by: Math.max(1, page) };
  if (key.home || input === "g") return { type: "first" };
  if (key.end || input === "G") return { type: "last" };
  if (view === "detail") {
    // Some terminals send DEL (0x7f) for Backspace, which ink reads as delete.
    if (key.escape || key.backspace || key.delete || key.leftArrow || input === "h") return { type: "back" };
    return undefined;
  }
  if (key.escape) return { type: "quit" };
  if (key.return || key.rightArrow || input === "l") return { type: "open" };
  if (key.tab) return { type: "cycle", by: key.shift ? -1 : 1 };
  const filter = FILTERS.find((f) => f.key === input);
  if (filter && !key.ctrl) return { type: "filter", filter: filter.name };
  return undefined;
}
