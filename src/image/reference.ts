import { UsageError } from "../errors.js";

// The grammar of github.com/distribution/reference (reference.go), which the Docker Engine applies.
const alnum = "[a-z0-9]+";
const separator = "(?:[._]|__|[-]+)";
const pathComponent = `${alnum}(?:${separator}${alnum})*`;
const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const ipv6 = "\\[(?:[a-fA-F0-9:]+)\\]";
const domain = `(?:${domainName}|${ipv6})(?::[0-9]+)?`;
const name = `(?:${domain}/)?${pathComponent}(?:/${pathComponent})*`;
const tag = "[\\w][\\w.-]{0,127}";
const digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(`^(${name})(?::(${tag}))?(?:@(${digest}))?$`);
const IMAGE_ID = /^sha256:[0-9a-f]{1,64}$/;
const NAME_TOTAL_MAX = 255;

export interface ImageReference {
  /** As the user wrote it; the Engine resolves it (name:tag, name@digest, or an image id). */
  raw: string;
  name?: string;
  tag?: string;
  digest?: string;
}

export function parseImageReference(raw: string): ImageReference {
  if (IMAGE_ID.test(raw)) return { raw };
  const m = REFERENCE.exec(raw);
  if (!m || m[1]!.length > NAME_TOTAL_MAX) {
    const hint = /[A-Z]/.test(raw.split(/[:@]/)[0] ?? "")
      ? "repository names are lowercase"
      : "write name[:tag], name@sha256:<digest>, or an image id as `docker images` shows it";
    throw new UsageError(`"${raw}" is not a valid image reference`, hint);
  }
  const ref: ImageReference = { raw, name: m[1]! };
  if (m[2]) ref.tag = m[2];
  if (m[3]) ref.digest = m[3];
  return ref;
}
