import { defineImageCheck, fail, pass } from "../../src/engine/check.js";
import { findSecrets } from "../../src/image/secrets.js";

export default defineImageCheck({
  id: "IMG-ENV-CREDENTIALS",
  clauses: ["training#env.no-baked-credentials", "inference#env.no-baked-credentials", "processing#env.no-baked-credentials"],
  severity: "error",
  title: "No credentials in the image's ENV",
  rationale:
    "ENV values are part of the image configuration: anyone who can pull the image from ECR reads them with docker inspect, and removing the ENV in a later layer does not remove it from the pushed history. SageMaker hands AWS credentials to a job through its execution role, and none at all under network isolation.",
  fix: "Remove the ENV and rotate the credential; read AWS credentials from the execution role and other tokens from AWS Secrets Manager at start-up.",
  needs: { config: true },
  run({ config }) {
    const matches = findSecrets(config.env);
    const [first, ...rest] = matches.map((m) => ({
      message: `ENV ${m.name} holds ${m.rule.title} (${m.masked})`,
      fix:
        m.rule.id.startsWith("aws-")
          ? `Remove ENV ${m.name}, deactivate that key in IAM, and let the job's execution role supply credentials.`
          : `Remove ENV ${m.name}, revoke the credential, and pass it at run time (Secrets Manager, or the job's Environment) instead.`,
      where: { kind: "config", field: `Config.Env["${m.name}"]` } as const,
      evidence: { actual: `${m.name}=${m.masked}`, notes: [`rule ${m.rule.id}`] },
    }));
    return first ? fail(first, ...rest) : pass(`${config.env.length} ENV ${config.env.length === 1 ? "entry" : "entries"}, none holds a credential`);
  },
});
