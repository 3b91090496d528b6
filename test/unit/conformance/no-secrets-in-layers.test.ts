import { describe, expect, it } from "vitest";
import check from "../../../conformance/image/no-secrets-in-layers.js";
import { layerContext, type LayerSpec, whiteout } from "../helpers/layer-image.js";
import { findingsOf, passDetail } from "./outcomes.js";

// Made-up credentials in the shape of real ones, built from pieces; AWS's documented example key pair is the exception.
const AWS_ID = "AKIA" + "Z7Q4M2XWBV9KD3PL";
const AWS_SECRET = "Zx9/Tq2Lm8Kw" + "Rb4+Yv7Nc1Hp" + "Dg5Js3Fa6Ue0" + "Wi8Q";
const HF = "hf_" + "Qm7dLw2Rk9Tz" + "Xb4Nc8Vp1Hs6" + "Jg3Fy5Ua0E";
const EXAMPLE_ID = "AKIAIOSFODNN7EXAMPLE";
const EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const credentials = (id: string, secret: string) => `[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\nregion = us-east-1\n`;

const run = async (layers: LayerSpec[]) => check.run(await layerContext(layers));

describe("IMG-SECRETS-LAYERS", () => {
  it("fires on AWS credentials a later layer deleted: they still ship in the layer that added them", async () => {
    const ctx = await layerContext([{ "/root/.aws/credentials": credentials(AWS_ID, AWS_SECRET) }, { "/root/.aws/credentials": whiteout }]);
    const outcome = await check.run(ctx);
    const findings = findingsOf(outcome);
    expect(findings).toHaveLength(2);
    const [id, secret] = findings;
    const digest = ctx.layers.layers[0]!.diffId!;
    expect(id.message).toBe(
      `an AWS access key id (AKIA...(20 chars)) in /root/.aws/credentials line 2, added by layer 1 (${digest.slice(0, 19)}…) and deleted by a later layer, which still ships it: anyone who pulls the image can read it`,
    );
    expect(secret!.message).toContain("an AWS secret access key (Zx9/...(40 chars)) in /root/.aws/credentials line 3");
    expect(id.fix).toBe("Stop layer 1 from adding /root/.aws/credentials (deleting it later does not remove it from the image), and rotate the credential.");
    expect(id.evidence.location).toEqual({ kind: "file", path: "/root/.aws/credentials", layer: digest });
    expect(id.evidence.actual).toEqual({ rule: "aws-access-key-id", masked: "AKIA...(20 chars)", line: 2, layer: 1, deletedLater: true });
    expect(JSON.stringify(outcome)).not.toContain(AWS_ID);
    expect(JSON.stringify(outcome)).not.toContain(AWS_SECRET);
  });

  it("fires on a token still in the image, asking to remove it rather than stop a layer", async () => {
    const f = findingsOf(await run([{ "/etc/hostname": "build\n" }, { "/opt/ml/code/.env": `HF_TOKEN=${HF}\n` }]));
    expect(f).toHaveLength(1);
    expect(f[0].message).toMatch(/^a Hugging Face token \(hf_Q\.\.\.\(37 chars\)\) in \/opt\/ml\/code\/\.env line 1, added by layer 2 \(sha256:[0-9a-f]{12}…\): anyone/);
    expect(f[0].message).not.toContain("deleted by a later layer");
    expect(f[0].fix).toBe("Remove /opt/ml/code/.env from the image, or the secret from it, and rotate the credential.");
  });

  it("does not fire on a clean image", async () => {
    const detail = passDetail(await run([{ "/etc/hostname": "build\n", "/opt/program/train.py": "import boto3\ns3 = boto3.client('s3')\n" }, { "/opt/program/serve.py": "print('ok')\n" }]));
    expect(detail).toBe("no credentials in the 2 layers");
  });

  it("does not fire on AWS's documented example key pair, in a credentials file or in code", async () => {
    passDetail(await run([{ "/root/.aws/credentials": credentials(EXAMPLE_ID, EXAMPLE_SECRET), "/opt/program/upload.py": `KEY = "${EXAMPLE_ID}"\n` }]));
  });

  it("shows the first 50 findings and counts the rest", async () => {
    const layer: LayerSpec = {};
    for (let i = 0; i < 53; i++) layer[`/opt/app/conf/${String(i).padStart(2, "0")}.env`] = `HF_TOKEN=${HF}\n`;
    const f = findingsOf(await run([layer]));
    expect(f).toHaveLength(50);
    expect(f[49]!.evidence.notes).toEqual(["3 more not shown"]);
    expect(f[0].evidence.notes).toBeUndefined();
  });
});
