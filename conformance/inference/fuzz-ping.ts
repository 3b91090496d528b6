import { defineFuzzCheck } from "../fuzz-run.js";

export default defineFuzzCheck({
  id: "INF-FUZZ-PING",
  kind: "ping_degraded",
  clauses: ["inference#ping.timeout", "inference#ping.healthy"],
  severity: "error",
  title: "/ping stays healthy and answers within 2 s after any request",
  rationale:
    "SageMaker takes an instance out of service when /ping fails or takes 2 seconds or more. A request that leaves the server unhealthy, or busy long after it answered, turns one bad client into an outage.",
  fix: "Keep /ping independent of request handling (its own thread or worker), and release what a failed request held before answering it.",
  did: "left /ping unhealthy",
  clean: "/ping stayed healthy after every case",
});
