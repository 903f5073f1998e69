/**
 * The protobuf wire format, as far as an OTLP export request needs it: varints, 64-bit fixed
 * numbers, doubles and length-delimited fields (strings, bytes, nested messages). A field is
 * written as its bytes; a message is the concatenation of its fields. Writing only (the server's
 * answer to an export is an empty message), and no schema: otlpRequest.ts names the field numbers.
 * https://protobuf.dev/programming-guides/encoding/
 */

/** The wire types used here (protobuf's 0, 1 and 2). */
const WireType = { Varint: 0, Fixed64: 1, LengthDelimited: 2 } as const;
type WireType = (typeof WireType)[keyof typeof WireType];

const int64Mask = (1n << 64n) - 1n;

/** A varint of an unsigned value; a negative int64 is written as its 64-bit two's complement (10 bytes), as protobuf does. */
function varint(value: bigint): Buffer {
  let rest = value & int64Mask;
  const bytes: number[] = [];
  while (rest > 0x7fn) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return Buffer.from(bytes);
}

function key(field: number, type: WireType): Buffer {
  return varint(BigInt((field << 3) | type));
}

/** A varint field: int64, uint32, bool and enum values. */
export function varintField(field: number, value: bigint | number | boolean): Buffer {
  const number = typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value);
  return Buffer.concat([key(field, WireType.Varint), varint(number)]);
}

/** A fixed64 field (OTLP's nanosecond timestamps), little-endian. */
export function fixed64Field(field: number, value: bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(value & int64Mask);
  return Buffer.concat([key(field, WireType.Fixed64), bytes]);
}

/** A double field, little-endian IEEE 754 (NaN and infinities included). */
export function doubleField(field: number, value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleLE(value);
  return Buffer.concat([key(field, WireType.Fixed64), bytes]);
}

/** A length-delimited field: raw bytes, or a nested message given as its fields. */
export function bytesField(field: number, value: Uint8Array | readonly Buffer[]): Buffer {
  const body = value instanceof Uint8Array ? value : Buffer.concat(value);
  return Buffer.concat([key(field, WireType.LengthDelimited), varint(BigInt(body.length)), body]);
}

/** A string field, UTF-8. A lone surrogate becomes U+FFFD, as MLflow's Python client sanitizes it. */
export function stringField(field: number, value: string): Buffer {
  return bytesField(field, Buffer.from(value, 'utf8'));
}

/** A nested message field whose body is these fields (an empty list writes an empty, present message). */
export function messageField(field: number, fields: readonly Buffer[]): Buffer {
  return bytesField(field, fields);
}
