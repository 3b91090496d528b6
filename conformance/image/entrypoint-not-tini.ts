import { posix } from "node:path";
import { defineImageCheck, fail, pass } from "../../src/engine/check.js";

const TINI = /^tini(-static)?(-[a-z0-9]+)?$/;

export default defineImageCheck({
  id: "IMG-NO-TINI",
  clauses: ["training#start.no-tini", "inference#start.no-tini"],
  severity: "error",
  title: "tini is not the entrypoint",
  rationale:
    "AWS documents that tini cannot be a SageMaker entrypoint: it gets confused by the `train` and `serve` arguments. Reap zombies in the program itself, or let the model server (gunicorn, nginx) do it.",
  fix: 'Start your program directly: ENTRYPOINT ["python3", "/opt/program/entry.py"].',
  needs: { config: true },
  run({ config }) {
    const argv = config.entrypoint ?? [];
    const program = argv[0] ? posix.basename(argv[0]) : "";
    if (!TINI.test(program)) return pass();
    // tini's own options come first, up to "--" or the program; the program keeps its flags.
    const dashes = argv.indexOf("--");
    const rest = dashes >= 0 ? argv.slice(dashes + 1) : argv.slice(1 + Math.max(0, argv.slice(1).findIndex((a) => !a.startsWith("-"))));
    return fail({
      message: `ENTRYPOINT starts ${argv[0]}, which SageMaker documents as incompatible with the train and serve arguments`,
      fix: rest.length > 0 ? `Write ENTRYPOINT ${JSON.stringify(rest)} and drop tini.` : "Drop tini and name your program in ENTRYPOINT (exec form).",
      where: { kind: "config", field: "Config.Entrypoint" },
      evidence: { actual: argv },
    });
  },
});
