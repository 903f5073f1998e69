import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { exportTraceServiceRequest } from '../../../src/mlflow/traces/otlpRequest';
import { epochNs } from '../../../src/mlflow/traces/traceIds';
import type { TraceRecord } from '../../../src/mlflow/traces/traceRecord';
import { venvPython } from '../../harness/paths';

/** The request as the opentelemetry-proto package MLflow's server parses it with reads it (MessageToDict, field names kept). */
function decodedByPython(bytes: Buffer): unknown {
  const script = [
    'import base64, json, sys',
    'from google.protobuf.json_format import MessageToDict',
    'from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest',
    'request = ExportTraceServiceRequest.FromString(base64.b64decode(sys.stdin.read()))',
    'print(json.dumps(MessageToDict(request, preserving_proto_field_name=True)))',
  ].join('\n');
  const python = spawnSync(venvPython, ['-c', script], { input: bytes.toString('base64'), encoding: 'utf8' });
  assert.equal(python.status, 0, python.stderr);
  return JSON.parse(python.stdout);
}

const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

describe('the OTLP export request (a hand-written protobuf encoder)', () => {
  it("is read by opentelemetry-proto's own parser field for field, defaults and edge values included", () => {
    const trace: TraceRecord = {
      otelTraceId: '0123456789abcdef0123456789abcdef',
      spans: [
        {
          spanId: '00000000000000a1',
          name: 'chat',
          startTimeNs: 1_796_385_600_000_000_250n,
          endTimeNs: 1_796_385_600_120_500_000n,
          attributes: {
            empty: '',
            zero: 0,
            no: false,
            negative: -2,
            huge: 2n ** 62n,
            half: 0.5,
            nothing: null,
            text: 'héllo 😀',
            list: [1, 'two', [true]],
            nested: { messages: [{ role: 'user', content: 'hi' }], emptyList: [], emptyObject: {} },
          },
          status: { code: 'ERROR', message: 'boom' },
          events: [{ name: 'exception', timeNs: 1_796_385_600_120_000_000n, attributes: { 'exception.message': 'boom' } }],
        },
        {
          spanId: '00000000000000b2',
          parentSpanId: '00000000000000a1',
          name: '',
          startTimeNs: 1n,
          endTimeNs: 2n,
          attributes: {},
          status: { code: 'UNSET' },
        },
      ],
      tags: {},
      metadata: {},
    };
    const string = (value: string) => ({ string_value: value });
    assert.deepEqual(decodedByPython(exportTraceServiceRequest([trace])), {
      resource_spans: [
        {
          scope_spans: [
            {
              spans: [
                {
                  trace_id: b64(trace.otelTraceId),
                  span_id: b64('00000000000000a1'),
                  name: 'chat',
                  // MessageToDict writes (u)int64 as strings.
                  start_time_unix_nano: '1796385600000000250',
                  end_time_unix_nano: '1796385600120500000',
                  attributes: [
                    { key: 'empty', value: string('') },
                    { key: 'zero', value: { int_value: '0' } },
                    { key: 'no', value: { bool_value: false } },
                    { key: 'negative', value: { int_value: '-2' } },
                    { key: 'huge', value: { int_value: '4611686018427387904' } },
                    { key: 'half', value: { double_value: 0.5 } },
                    { key: 'nothing', value: {} },
                    { key: 'text', value: string('héllo 😀') },
                    {
                      key: 'list',
                      value: {
                        array_value: { values: [{ int_value: '1' }, string('two'), { array_value: { values: [{ bool_value: true }] } }] },
                      },
                    },
                    {
                      key: 'nested',
                      value: {
                        kvlist_value: {
                          values: [
                            {
                              key: 'messages',
                              value: {
                                array_value: {
                                  values: [
                                    {
                                      kvlist_value: {
                                        values: [
                                          { key: 'role', value: string('user') },
                                          { key: 'content', value: string('hi') },
                                        ],
                                      },
                                    },
                                  ],
                                },
                              },
                            },
                            { key: 'emptyList', value: { array_value: {} } },
                            { key: 'emptyObject', value: { kvlist_value: {} } },
                          ],
                        },
                      },
                    },
                  ],
                  events: [
                    {
                      time_unix_nano: '1796385600120000000',
                      name: 'exception',
                      attributes: [{ key: 'exception.message', value: string('boom') }],
                    },
                  ],
                  status: { message: 'boom', code: 'STATUS_CODE_ERROR' },
                },
                // An UNSET status is an empty, present message; an empty name is no field at all.
                {
                  trace_id: b64(trace.otelTraceId),
                  span_id: b64('00000000000000b2'),
                  parent_span_id: b64('00000000000000a1'),
                  start_time_unix_nano: '1',
                  end_time_unix_nano: '2',
                  status: {},
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it('puts the spans of several traces in one request, and refuses ids that are not hex of the right length', () => {
    const span = { spanId: '0000000000000001', name: 's', startTimeNs: 1n, endTimeNs: 2n, attributes: {}, status: { code: 'OK' as const } };
    const decoded = decodedByPython(
      exportTraceServiceRequest([
        { otelTraceId: '1'.repeat(32), spans: [span], tags: {}, metadata: {} },
        { otelTraceId: '2'.repeat(32), spans: [span], tags: {}, metadata: {} },
      ]),
    ) as { resource_spans: Array<{ scope_spans: Array<{ spans: Array<{ trace_id: string }> }> }> };
    assert.deepEqual(
      decoded.resource_spans[0]!.scope_spans[0]!.spans.map((s) => s.trace_id),
      [b64('1'.repeat(32)), b64('2'.repeat(32))],
    );
    assert.throws(
      () => exportTraceServiceRequest([{ otelTraceId: 'ABC', spans: [span], tags: {}, metadata: {} }]),
      /^Error: Not an id of 16 bytes in lowercase hex: "ABC"$/,
    );
  });

  it('converts epoch milliseconds to nanoseconds without losing the fraction', () => {
    assert.equal(epochNs(1_796_385_600_000.25), 1_796_385_600_000_250_000n);
    assert.equal(epochNs(1_796_385_600_120.5), 1_796_385_600_120_500_000n);
    assert.equal(epochNs(0), 0n);
  });
});
