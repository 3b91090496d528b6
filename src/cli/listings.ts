import type { AnyCheck } from "../engine/check.js";
import type { Quantity, SpecView } from "../spec/types.js";
import { contractOf, contractsOf } from "../spec/types.js";
import { formatQuantity } from "../spec/units.js";

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n") + "\n";
}

export function renderCheckList(checks: readonly AnyCheck[], spec: SpecView, json: boolean): string {
  const live = checks.filter((c) => !c.deprecated);
  if (json) {
    return `${JSON.stringify(
      live.map((c) => ({
        id: c.id,
        group: c.group,
        contract: contractOf(c.clauses[0]),
        contracts: contractsOf(c.clauses),
        clause: c.clauses[0],
        clauses: c.clauses,
        severity: c.severity,
        title: c.title,
        rationale: c.rationale,
        fix: c.fix,
        inSpec: c.clauses.filter((id) => spec.hasClause(id)).length === c.clauses.length,
      })),
      null,
      2,
    )}\n`;
  }
  return table([
    ["ID", "CONTRACTS", "SEVERITY", "TITLE"],
    ...live.map((c) => [c.id, contractsOf(c.clauses).join(","), c.severity, c.title]),
  ]);
}

function limitsText(limits: Record<string, Quantity> | undefined): string {
  if (!limits) return "";
  return ` [${Object.entries(limits).map(([k, q]) => `${k} ${formatQuantity(q)}`).join("; ")}]`;
}

export function renderSpecList(specs: readonly SpecView[], json: boolean): string {
  if (json) {
    return `${JSON.stringify(
      specs.map((s) => ({ version: s.version, contracts: s.contracts })),
      null,
      2,
    )}\n`;
  }
  const out: string[] = [];
  for (const s of specs) {
    out.push(`sagemaker ${s.version}`);
    for (const contract of Object.values(s.contracts)) {
      out.push(`  ${contract.contract}: ${contract.title} (${contract.clauses.length} clauses)`);
      for (const c of contract.clauses) {
        out.push(`    ${`${contract.contract}#${c.id}`.padEnd(44)} ${c.level.padEnd(6)} ${c.statement}${limitsText(c.limits)}`);
      }
    }
  }
  return `${out.join("\n")}\n`;
}
