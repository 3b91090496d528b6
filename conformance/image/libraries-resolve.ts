import { defineImageCheck, fail, pass, type FindingInput } from "../../src/engine/check.js";

const SHOWN = 30;

export default defineImageCheck({
  id: "IMG-LIBS-RESOLVE",
  clauses: ["training#image.libraries-resolve", "inference#image.libraries-resolve", "processing#image.libraries-resolve"],
  severity: "warning",
  title: "Every shared library's dependencies can be found",
  rationale:
    "A library that needs (ELF NEEDED) another that the dynamic loader cannot find fails to load with 'cannot open shared object file' the moment the framework imports it: torch without the nvidia-* wheels its RUNPATH points to, a CUDA library without libcublas on any search path. The loader searches RPATH, LD_LIBRARY_PATH, RUNPATH (with $ORIGIN), ld.so.conf and the default directories; byoc-check follows the same order inside the image.",
  fix: "Install the missing libraries, or put their directory on LD_LIBRARY_PATH or in /etc/ld.so.conf.d/ (and run ldconfig in the build).",
  needs: { layers: true },
  timeoutMs: 600_000,
  run({ layers }) {
    const findings: FindingInput[] = layers.unresolved.slice(0, SHOWN).map((u) => ({
      message: `${u.path} needs ${u.missing.map((m) => m.name).join(", ")}, which the dynamic loader would not find`,
      fix: `Install ${u.missing.map((m) => m.name).join(", ")} or add the directory holding ${u.missing.length > 1 ? "them" : "it"} to LD_LIBRARY_PATH or /etc/ld.so.conf.d/.`,
      where: { kind: "file", path: u.path },
      evidence: { actual: u.missing.map((m) => ({ name: m.name, tried: m.tried })) },
    }));
    if (layers.unresolved.length > SHOWN) findings[findings.length - 1]!.evidence!.notes = [`${layers.unresolved.length - SHOWN} more libraries not shown`];
    const [first, ...rest] = findings;
    return first ? fail(first, ...rest) : pass(`the dependencies of ${layers.elfCount} shared objects resolve`);
  },
});
