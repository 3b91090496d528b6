import { defineFuzzCheck } from "../fuzz-run.js";

export default defineFuzzCheck({
  id: "INF-FUZZ-OVERSIZE",
  kind: "oversize_response",
  clauses: ["inference#invocations.payload"],
  severity: "error",
  title: "No request makes the server answer with more than 6 MiB",
  rationale:
    "InvokeEndpoint's response is limited to 6 MiB; a larger answer never reaches the client, which gets an error instead. Inputs that blow up the output (a huge array echoed back, a batch of thousands of rows) are easy for a client to send.",
  fix: "Bound the output by the input you accept: refuse batches too large to answer within 6 MiB with 413, or use asynchronous inference for big results.",
  did: "got an answer over 6 MiB",
  clean: "no answer was over 6 MiB",
});
