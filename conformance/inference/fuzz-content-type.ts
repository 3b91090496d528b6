import { defineFuzzCheck } from "../fuzz-run.js";

export default defineFuzzCheck({
  id: "INF-FUZZ-CONTENT-TYPE",
  kind: "content_type_conformance",
  clauses: ["inference#http.response-headers"],
  severity: "warning",
  title: "Every 2xx carries a Content-Type that the request's Accept allows",
  rationale:
    "InvokeEndpoint returns the container's Content-Type to the client, which decodes the body by it. A success with no type, or one the client did not accept, breaks that client on inputs the samples never showed.",
  fix: "Set Content-Type on every success from the Accept header (or your default when Accept is */* or absent), and answer 406 when you cannot produce what it asks for.",
  did: "got a 2xx of the wrong type",
  clean: "every 2xx carried a Content-Type that Accept allows",
});
