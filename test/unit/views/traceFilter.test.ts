import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeTraceFilter,
  isTraceFilterEmpty,
  noTraceFilter,
  parseTagFilter,
  tagFilterText,
  traceFilterString,
} from '../../../src/views/traceFilter';

describe('traceFilter: the Traces node filter in MLflow search_traces syntax', () => {
  it('writes the state and each phi3 tag as clauses joined by AND, tag keys in backticks', () => {
    assert.equal(traceFilterString(noTraceFilter), undefined);
    assert.equal(traceFilterString({ status: 'ERROR', tags: {} }), "status = 'ERROR'");
    assert.equal(
      traceFilterString({ status: 'OK', tags: { 'phi3.source': 'local', 'phi3.model': 'models:/phi3@champion' } }),
      "status = 'OK' AND tags.`phi3.source` = 'local' AND tags.`phi3.model` = 'models:/phi3@champion'",
    );
    // A value holding a single quote goes in double quotes, as MLflow's parser reads it.
    assert.equal(traceFilterString({ tags: { 'phi3.model': "it's" } }), 'tags.`phi3.model` = "it\'s"');
  });

  it('reads key=value lists, the phi3. prefix optional, and refuses anything else with the reason', () => {
    assert.deepEqual(parseTagFilter(''), { tags: {} });
    assert.deepEqual(parseTagFilter(' source = local , phi3.finishReason=stopped,'), {
      tags: { 'phi3.source': 'local', 'phi3.finishReason': 'stopped' },
    });
    assert.deepEqual(parseTagFilter('model=a=b'), { tags: { 'phi3.model': 'a=b' } });
    assert.deepEqual(parseTagFilter('source'), { error: '"source" is not key=value' });
    assert.deepEqual(parseTagFilter('user=me'), {
      error: '"user" is not a Phi-3 trace tag (source, model, finishReason, promptVersion)',
    });
    assert.deepEqual(parseTagFilter('source='), { error: 'phi3.source needs a value' });
  });

  it('reads back as the input box shows it, and describes itself for the node', () => {
    const filter = { status: 'IN_PROGRESS' as const, tags: { 'phi3.source': 'served', 'phi3.promptVersion': 'prompts:/bot/3' } };
    assert.equal(tagFilterText(filter.tags), 'source=served, promptVersion=prompts:/bot/3');
    assert.deepEqual(parseTagFilter(tagFilterText(filter.tags)), { tags: filter.tags });
    assert.equal(describeTraceFilter(filter), 'IN_PROGRESS · phi3.source=served · phi3.promptVersion=prompts:/bot/3');
    assert.equal(isTraceFilterEmpty(filter), false);
    assert.equal(isTraceFilterEmpty(noTraceFilter), true);
  });
});
