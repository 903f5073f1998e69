/**
 * Python, for `runMlflowPython`, that traces a small agent with MLflow's own tracing in the active
 * experiment: `agent` (AGENT) with a `plan` span (CHAIN) and a `lookup` call (TOOL), then a
 * `broken` function that raises. It leaves their trace ids in `agent_id` and `broken_id`. The
 * explorer's Traces and the traces client are both checked against traces made this way, so what
 * they read is what MLflow writes, not what we think it writes.
 */
export const tracedAgentPython = `
@mlflow.trace(span_type="TOOL")
def lookup(q):
    return {"hits": [q, 2]}

@mlflow.trace(name="agent", span_type="AGENT")
def agent(question):
    with mlflow.start_span("plan", span_type="CHAIN") as span:
        span.set_inputs({"question": question})
        span.set_outputs(["lookup"])
        span.set_attribute("steps", 1)
    return lookup(question)

agent("why")
agent_id = mlflow.get_last_active_trace_id()

@mlflow.trace
def broken():
    raise ValueError("boom")

try:
    broken()
except ValueError:
    pass
broken_id = mlflow.get_last_active_trace_id()
`;
