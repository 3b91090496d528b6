import { defineFuzzCheck } from "../fuzz-run.js";

export default defineFuzzCheck({
  id: "INF-FUZZ-CRASH",
  kind: "crash",
  clauses: ["inference#ping.healthy", "inference#http.error-mapping"],
  severity: "error",
  title: "No request body or header kills the server or drops the connection",
  rationale:
    "Clients send what they send: a truncated upload, a CSV with a quoted newline, a stray header. A server that dies on one request takes the instance out of service for every client until SageMaker replaces it, and a reset connection reaches the client as an opaque error.",
  fix: "Handle every request inside a try block: parse defensively, answer 400 or 415 for input the model cannot take, and never exit the process from a request handler.",
  did: "crashed the server",
  clean: "no case crashed the server",
});
