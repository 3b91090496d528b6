// Reference cuda-efa.md section 2.3: an image whose CUDA major is newer than the host driver's fails to initialize
// CUDA, unless cuda-compat for that major is in the image, the host driver is older than the compat driver, and the
// compat directory really reaches the program's LD_LIBRARY_PATH (in-process, or by ENV; section 2.2).
import { imageCudaLabel, instanceLabel } from "../context.js";
import { amiFix, compatPackageFor, defineGpuRule, either, verdict } from "../rule.js";
import { formatCuda, minDriverForMajor } from "../versions.js";

const rule = defineGpuRule({
  id: "GPU-CUDA-DRIVER",
  section: "2.3",
  title: "The image's CUDA major runs on the host driver, natively or through working forward compatibility",
  evaluate(ctx) {
    if (!ctx.target.instance.gpu || !ctx.imageCuda) return [];
    const type = ctx.target.instance.type;
    const img = ctx.imageCuda.version;
    if (!ctx.hostDriver) {
      return [
        verdict(rule, ctx, {
          severity: "info",
          message: `${imageCudaLabel(ctx)} image on ${type}: the host driver is not known (${ctx.target.host.provenance}), so the CUDA checks that depend on it were not made`,
          fix: "Pass --driver VERSION (as nvidia-smi prints it on that host) or --inference-ami NAME to check against it",
        }),
      ];
    }
    const driverMajor = ctx.driverCuda?.major ?? 0;
    if (img.major <= driverMajor) return [];
    const need = minDriverForMajor(img.major, ctx.knowledge.cuda);
    const needs = `needs driver ${need ? `>= ${need}` : "newer"}`;
    const c = ctx.compat;
    const facts = {
      minDriverForImageCuda: need,
      compatDir: c.dir,
      compatDriver: c.driver?.text,
      compatCuda: c.cuda ? formatCuda(c.cuda) : undefined,
      compatApplied: c.present ? c.applied : undefined,
      compatInEnvLdLibraryPath: c.present ? c.staticPath : undefined,
    };
    const lead = `${imageCudaLabel(ctx)} image ${needs} and ${instanceLabel(ctx)} runs ${ctx.hostLabel}`;
    const compatFix = `install ${compatPackageFor(img)} and, in the entrypoint process itself, prepend its directory to LD_LIBRARY_PATH when the host driver is older than the compat driver, then exec the program`;
    if (!c.present) {
      return [verdict(rule, ctx, { severity: ctx.gate("error"), message: `${lead}: CUDA will not initialize${ctx.assumed}`, fix: either(amiFix(ctx, img), compatFix), facts })];
    }
    if (!c.cuda || c.cuda.major < img.major) {
      return [
        verdict(rule, ctx, {
          severity: ctx.gate("error"),
          message: `${lead}, and the image's cuda-compat (${c.driver?.text ?? "driver unreadable"}) provides ${c.cuda ? `CUDA ${formatCuda(c.cuda)}` : "no CUDA byoc-check can place"} only: CUDA will not initialize${ctx.assumed}`,
          fix: either(amiFix(ctx, img), `replace it with ${compatPackageFor(img)}`),
          facts,
        }),
      ];
    }
    if (c.active) {
      return [
        verdict(rule, ctx, {
          severity: "info",
          message: `${imageCudaLabel(ctx)} image runs on ${instanceLabel(ctx)} (${ctx.hostLabel}) only through cuda-compat ${c.driver!.text} (CUDA ${formatCuda(c.cuda)}) in ${c.dir}${c.applied === "in-process" ? ", which the entrypoint applies" : ", which ENV LD_LIBRARY_PATH names"}`,
          fix: either("keep the compat switch in the entrypoint's own process", amiFix(ctx, img)),
          facts,
        }),
      ];
    }
    const why =
      c.applied === "child-process"
        ? "the entrypoint switches to it in a child process (bash start_cuda_compat.sh), so the export never reaches the program"
        : c.applied === "none"
          ? "nothing puts that directory on LD_LIBRARY_PATH (SageMaker's container toolkit does not mount it)"
          : "byoc-check could not tell whether the entrypoint puts that directory on LD_LIBRARY_PATH";
    return [
      verdict(rule, ctx, {
        severity: ctx.gate(c.applied === "unknown" ? "warning" : "error"),
        message: `${lead}: cuda-compat ${c.driver!.text} is in ${c.dir}, but ${why}${ctx.assumed}`,
        fix:
          c.applied === "child-process"
            ? either("source the compat script (or do its test inline) in the entrypoint, then exec the program", amiFix(ctx, img))
            : either(`in the entrypoint, when the host driver is older than ${c.driver!.text}, export LD_LIBRARY_PATH=${c.dir}:$LD_LIBRARY_PATH and then exec the program`, amiFix(ctx, img)),
        facts,
      }),
    ];
  },
});

export default rule;
