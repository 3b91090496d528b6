export const CONTRACTS = ["training", "inference", "processing"] as const;
export type Contract = (typeof CONTRACTS)[number];

/** `<contract>#<clause id>`, e.g. `inference#ping.timeout`. */
export type ClauseId = `${Contract}#${string}`;

export type Unit = "ms" | "s" | "min" | "h" | "d" | "B" | "KiB" | "MiB" | "MB" | "GB" | "chars" | "items";

export interface Quantity {
  value: number;
  unit: Unit;
  note?: string;
}

export interface Source {
  doc: string;
  section: string;
  ref: string;
}

export interface Conflict {
  positions: Array<{ ref: string; says: string }>;
  follows: string;
  why: string;
}

export interface Clause {
  id: string;
  statement: string;
  level: "must" | "should" | "may" | "info";
  basis: "documented" | "observed" | "toolkit" | "practice" | "unconfirmed";
  sources: Source[];
  limits?: Record<string, Quantity>;
  conflict?: Conflict;
  notes?: string[];
}

export interface ContractSpec {
  specVersion: string;
  contract: Contract;
  title: string;
  clauses: Clause[];
}

/** A loaded spec version: every contract at that version, clauses indexed by full id. */
export interface SpecView {
  version: string;
  contracts: Readonly<Record<Contract, ContractSpec>>;
  hasClause(id: string): boolean;
  clause(id: ClauseId): Clause;
  limit(id: ClauseId, name: string): Quantity;
}

export function contractOf(id: ClauseId): Contract {
  return id.slice(0, id.indexOf("#")) as Contract;
}

/** The contracts a list of clauses belongs to, each once, in citation order. */
export function contractsOf(ids: readonly ClauseId[]): Contract[] {
  return [...new Set(ids.map(contractOf))];
}
