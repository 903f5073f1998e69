import type { SpanNode, TraceSpan } from './traceEntities';

/**
 * The tree of a trace's spans, children by start time. A span whose parent is not among them (a
 * trace still being written, or a distributed trace's remote parent) is a root of its own rather
 * than dropped.
 */
export function spanTree(spans: readonly TraceSpan[]): SpanNode[] {
  const byStart = [...spans].sort((a, b) => a.startTimeMs - b.startTimeMs);
  const children = new Map<string, TraceSpan[]>();
  const ids = new Set(spans.map((span) => span.spanId));
  const roots: TraceSpan[] = [];
  for (const span of byStart) {
    if (span.parentId !== undefined && ids.has(span.parentId) && span.parentId !== span.spanId) {
      const siblings = children.get(span.parentId) ?? [];
      siblings.push(span);
      children.set(span.parentId, siblings);
    } else {
      roots.push(span);
    }
  }
  const placed = new Set<string>();
  const node = (span: TraceSpan): SpanNode => {
    placed.add(span.spanId);
    return { span, children: (children.get(span.spanId) ?? []).filter((child) => !placed.has(child.spanId)).map(node) };
  };
  const tree = roots.map(node);
  // Spans whose parents form a cycle (a malformed trace) are reached from no root: shown as roots too.
  for (const span of byStart) if (!placed.has(span.spanId)) tree.push(node(span));
  return tree;
}
