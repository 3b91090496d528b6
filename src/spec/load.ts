import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { SpecError } from "../errors.js";
import { SPECS_DIR } from "../paths.js";
import { display, readJsonFile, validateAgainst } from "./json-file.js";
import { compareDotted } from "./units.js";
import { CONTRACTS, type Clause, type ClauseId, type Contract, type ContractSpec, type Quantity, type SpecView } from "./types.js";

const FAMILY = "sagemaker";

function familyDir(specsDir: string): string {
  return join(specsDir, FAMILY);
}

/** Every spec version present for all three contracts, oldest first. */
export function listSpecVersions(specsDir: string = SPECS_DIR): string[] {
  const perContract = CONTRACTS.map((contract) => {
    const dir = join(familyDir(specsDir), contract);
    if (!existsSync(dir)) throw new SpecError(`no specs for the ${contract} contract in ${display(dir)}`, "a spec directory holds sagemaker/<contract>/<version>.json for training, inference and processing");
    return new Set(
      readdirSync(dir)
        .filter((f) => /^\d+\.\d+\.json$/.test(f))
        .map((f) => f.slice(0, -".json".length)),
    );
  });
  const all = new Set(perContract.flatMap((s) => [...s]));
  for (const version of all) {
    const missing = CONTRACTS.filter((_, i) => !perContract[i]!.has(version));
    if (missing.length > 0) {
      throw new SpecError(`spec ${version} has no file for ${missing.join(", ")}`, `add ${missing.map((c) => `${FAMILY}/${c}/${version}.json`).join(", ")}`);
    }
  }
  if (all.size === 0) throw new SpecError(`no spec versions in ${display(familyDir(specsDir))}`);
  return [...all].sort(compareDotted);
}

function loadContract(specsDir: string, contract: Contract, version: string): ContractSpec {
  const file = join(familyDir(specsDir), contract, `${version}.json`);
  const schema = join(familyDir(specsDir), "contract.schema.json");
  const fault = (message: string, hint?: string) =>
    new SpecError(message.startsWith(display(file)) || message.startsWith("cannot read") ? message : `${display(file)}: ${message}`, hint ?? "fix the spec file, or run with the bundled specs");
  const data = readJsonFile(file, fault);
  validateAgainst(schema, data, (message, hint) => {
    // "/clauses/13/limits/..." is easier to find by the clause's id.
    const m = /^\/clauses\/(\d+)/.exec(message);
    const id = m ? (data as { clauses?: Array<{ id?: unknown }> }).clauses?.[Number(m[1])]?.id : undefined;
    return fault(typeof id === "string" ? `${message} (clause "${id}")` : message, hint);
  });
  const spec = data as ContractSpec;
  if (spec.contract !== contract) throw fault(`/contract is "${spec.contract}" but the file sits under ${contract}/`);
  if (spec.specVersion !== version) throw fault(`/specVersion is "${spec.specVersion}" but the file is named ${version}.json`);
  const seen = new Set<string>();
  spec.clauses.forEach((c, i) => {
    if (seen.has(c.id)) throw fault(`/clauses/${i}/id "${c.id}" is a duplicate`);
    seen.add(c.id);
  });
  return spec;
}

export interface LoadSpecOptions {
  version?: string;
  specsDir?: string;
}

export function loadSpec(options: LoadSpecOptions = {}): SpecView {
  const specsDir = options.specsDir ?? SPECS_DIR;
  const versions = listSpecVersions(specsDir);
  const version = options.version ?? versions[versions.length - 1]!;
  if (!versions.includes(version)) {
    throw new SpecError(`unknown spec version "${version}"`, `available: ${versions.join(", ")} (byoc-check specs lists them)`);
  }
  const contracts = Object.fromEntries(CONTRACTS.map((c) => [c, loadContract(specsDir, c, version)])) as Record<Contract, ContractSpec>;
  const index = new Map<string, Clause>();
  for (const c of CONTRACTS) for (const clause of contracts[c].clauses) index.set(`${c}#${clause.id}`, clause);

  const clause = (id: ClauseId): Clause => {
    const found = index.get(id);
    if (!found) throw new Error(`spec ${version} has no clause ${id}`);
    return found;
  };
  return {
    version,
    contracts,
    hasClause: (id) => index.has(id),
    clause,
    limit(id: ClauseId, name: string): Quantity {
      const q = clause(id).limits?.[name];
      if (!q) throw new Error(`spec ${version} clause ${id} has no limit "${name}"`);
      return q;
    },
  };
}
