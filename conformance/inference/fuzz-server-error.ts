import { defineFuzzCheck } from "../fuzz-run.js";

export default defineFuzzCheck({
  id: "INF-FUZZ-SERVER-ERROR",
  kind: "not_a_server_error",
  clauses: ["inference#http.error-mapping"],
  severity: "warning",
  title: "A malformed request gets a 4xx, not a 5xx (an error with --strict)",
  rationale:
    "SageMaker passes the container's status to the client inside a ModelError. A 5xx tells the client and your alarms that the model failed when the request was at fault, and invocation-error metrics count it against the endpoint.",
  fix: "Catch parse and validation errors and answer 400 (or 415 for a type you do not take) with a message saying what was wrong.",
  did: "got a server error",
  clean: "no malformed case got a 5xx",
});
