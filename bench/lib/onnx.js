/**
 * A one-node ONNX model written by hand as protobuf bytes (no onnx package):
 * ModelProto { ir_version 8, opset 13, graph { x -> Softmax|LogSoftmax(axis −1) -> y } }
 * with a float (1) or double (11) input of a fixed shape. Field numbers are
 * those of onnx.proto (ModelProto.graph = 7, opset_import = 8; GraphProto.node = 1,
 * input = 11, output = 12; NodeProto.input = 1, output = 2, op_type = 4,
 * attribute = 5; AttributeProto.name = 1, i = 3, type = 20 (INT = 2);
 * ValueInfoProto.type = 2; TypeProto.tensor_type = 1 { elem_type = 1, shape = 2
 * { dim = 1 { dim_value = 1 } } }).
 */

/** Protobuf varint of a non-negative or negative (two's complement, 64-bit) integer. */
function varint(value) {
  let v = BigInt.asUintN(64, BigInt(value));
  const out = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

const int = (field, value) => [...varint(field << 3), ...varint(value)];
const bytes = (field, body) => [...varint((field << 3) | 2), ...varint(body.length), ...body];
const str = (field, s) => bytes(field, [...new TextEncoder().encode(s)]);

function valueInfo(name, elemType, shape) {
  const dims = shape.flatMap((d) => bytes(1, int(1, d)));
  const tensorType = [...int(1, elemType), ...bytes(2, dims)];
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))];
}

/** Model bytes for `op` ('Softmax' | 'LogSoftmax') over the last axis of `shape`. */
export function onnxSoftmaxModel(op, shape, float64) {
  const elemType = float64 ? 11 : 1;
  const attribute = [...str(1, 'axis'), ...int(3, -1), ...int(20, 2)];
  const node = [
    ...str(1, 'x'),
    ...str(2, 'y'),
    ...str(3, 'n0'),
    ...str(4, op),
    ...bytes(5, attribute),
  ];
  const graph = [
    ...bytes(1, node),
    ...str(2, 'bench'),
    ...bytes(11, valueInfo('x', elemType, shape)),
    ...bytes(12, valueInfo('y', elemType, shape)),
  ];
  const opset = [...str(1, ''), ...int(2, 13)];
  return new Uint8Array([
    ...int(1, 8),
    ...str(2, 'softmax-kit-bench'),
    ...bytes(7, graph),
    ...bytes(8, opset),
  ]);
}
