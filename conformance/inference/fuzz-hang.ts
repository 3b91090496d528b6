import { defineFuzzCheck } from "../fuzz-run.js";

export default defineFuzzCheck({
  id: "INF-FUZZ-HANG",
  kind: "hang",
  clauses: ["inference#invocations.timeout"],
  severity: "error",
  title: "Every request is answered within 60 seconds",
  rationale:
    "InvokeEndpoint gives the container 60 seconds. A request the server never answers (an empty body read until a length that never comes, a loop on odd input) fails the client after a minute and holds a worker the whole time.",
  fix: "Validate the request before working on it: answer an empty or unreadable body with 400 at once, and bound every loop and read by the request's own size.",
  did: "got no answer",
  clean: "every case got an answer",
});
