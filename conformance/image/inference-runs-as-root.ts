import { defineImageCheck, fail, pass } from "../../src/engine/check.js";

const PASSWD_MAX_BYTES = 1024 * 1024;

export default defineImageCheck({
  id: "IMG-USER-ROOT",
  clauses: ["inference#user.root"],
  severity: "warning",
  title: "The inference container runs as root",
  rationale:
    "The current SageMaker developer guide says SageMaker expects all inference containers to run as root and that other users can cause permission problems (the 2023 text did not say this). A non-root USER is good hygiene elsewhere, so this is a warning.",
  fix: "Remove USER from the Dockerfile of the serving image (or set USER root), and drop privileges inside the program if you need to.",
  needs: { config: true, fs: true },
  async run({ config, fs }) {
    const user = config.user.split(":")[0] ?? "";
    // runc reads a numeric USER as a uid, so "00" is root too.
    if (user === "" || user === "root" || (/^\d+$/.test(user) && Number(user) === 0)) return pass(user === "" ? "no USER: root" : `USER ${config.user}`);
    const where = { kind: "config", field: "Config.User" } as const;
    let uid: number | undefined = /^\d+$/.test(user) ? Number(user) : undefined;
    if (uid === undefined) {
      const passwd = (await fs.lstat("/etc/passwd")) ? (await fs.readHead("/etc/passwd", PASSWD_MAX_BYTES)).toString("utf8") : "";
      const entry = passwd.split("\n").map((l) => l.split(":")).find((f) => f[0] === user);
      if (!entry) {
        return fail({
          message: `USER ${config.user} is not in the image's /etc/passwd: the container will not even start ("unable to find user ${user}")`,
          fix: `Create the user in the image (useradd ${user}), or better for SageMaker hosting, remove USER so the server runs as root.`,
          where,
          evidence: { actual: config.user },
        });
      }
      uid = Number(entry[2]);
      if (uid === 0) return pass(`USER ${config.user} has uid 0`);
    }
    return fail({
      message: `the image runs as USER ${config.user} (uid ${uid}); SageMaker expects inference containers to run as root`,
      fix: "Remove USER (or set USER root) in the serving image.",
      where,
      evidence: { actual: config.user, expected: "root" },
    });
  },
});
