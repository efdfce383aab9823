import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unpickleTorchValue } from '../../lib/io/torch.js';

// The same value pickled by CPython 3.11 with protocols 2, 4 and 5:
// {'name': 'prismer', 'ints': [0, 1, -1, 255, 65535, 65536, -2**31, 2**31, 2**63, -2**70],
//  'floats': (1.5, -0.0, inf), 'none': None, 'flags': [True, False], 'bytes': b'\x00\xffab',
//  'nested': {'t': (1, ('a',)), 'empty': [], 'emptyt': ()}, 's': {3}, 'unicode': 'héllo ✓',
//  'shared': [l, l]} with l = [1, 2]
const PICKLES: Record<string, string> = {
  protocol2: '80027d71002858040000006e616d6571015807000000707269736d657271025804000000696e747371035d7104284b004b014affffffff4bff4dffff4a000001004a000000808a0500000080008a090000000000000080008a090000000000000000c0655806000000666c6f6174737105473ff8000000000000478000000000000000477ff000000000000087710658040000006e6f6e6571074e5805000000666c61677371085d71092888896558050000006279746573710a635f636f646563730a656e636f64650a710b580500000000c3bf6162710c58060000006c6174696e31710d86710e52710f58060000006e657374656471107d71112858010000007471124b0158010000006171138571148671155805000000656d70747971165d71175806000000656d70747974711829755801000000737119635f5f6275696c74696e5f5f0a7365740a711a5d711b4b036185711c52711d5807000000756e69636f6465711e580a00000068c3a96c6c6f20e29c93711f580600000073686172656471205d7121285d7122284b014b0265682265752e',
  protocol4: '80049508010000000000007d94288c046e616d65948c07707269736d6572948c04696e7473945d94284b004b014affffffff4bff4dffff4a000001004a000000808a0500000080008a090000000000000080008a090000000000000000c0658c06666c6f61747394473ff8000000000000478000000000000000477ff000000000000087948c046e6f6e65944e8c05666c616773945d94288889658c05627974657394430400ff6162948c066e6573746564947d94288c0174944b018c016194859486948c05656d707479945d948c06656d707479749429758c0173948f94284b03908c07756e69636f6465948c0a68c3a96c6c6f20e29c93948c06736861726564945d94285d94284b014b0265681b65752e',
  protocol5: '80059508010000000000007d94288c046e616d65948c07707269736d6572948c04696e7473945d94284b004b014affffffff4bff4dffff4a000001004a000000808a0500000080008a090000000000000080008a090000000000000000c0658c06666c6f61747394473ff8000000000000478000000000000000477ff000000000000087948c046e6f6e65944e8c05666c616773945d94288889658c05627974657394430400ff6162948c066e6573746564947d94288c0174944b018c016194859486948c05656d707479945d948c06656d707479749429758c0173948f94284b03908c07756e69636f6465948c0a68c3a96c6c6f20e29c93948c06736861726564945d94285d94284b014b0265681b65752e',
};

const hex = (h: string) => Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16));
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

for (const [protocol, data] of Object.entries(PICKLES)) {
  test(`plain Python values, ${protocol}`, () => {
    const value = unpickleTorchValue(hex(data), protocol) as Map<string, unknown>;
    assert.ok(value instanceof Map);
    assert.equal(value.get('name'), 'prismer');
    assert.deepEqual(value.get('ints'), [0, 1, -1, 255, 65535, 65536, -(2 ** 31), 2 ** 31, 2n ** 63n, -(2n ** 70n)]);
    const floats = value.get('floats') as number[];
    assert.ok(Object.isFrozen(floats), 'tuples are frozen arrays');
    assert.deepEqual(floats, [1.5, -0, Infinity]);
    assert.ok(Object.is(floats[1], -0));
    assert.equal(value.get('none'), null);
    assert.deepEqual(value.get('flags'), [true, false]);
    assert.deepEqual(value.get('bytes'), Uint8Array.from([0, 255, 0x61, 0x62]));
    const nested = value.get('nested') as Map<string, unknown>;
    assert.deepEqual(nested.get('t'), [1, ['a']]);
    assert.deepEqual(nested.get('empty'), []);
    assert.ok(!Object.isFrozen(nested.get('empty')));
    assert.deepEqual(nested.get('emptyt'), []);
    assert.deepEqual(value.get('s'), new Set([3]));
    assert.equal(value.get('unicode'), 'héllo ✓');
    const shared = value.get('shared') as unknown[][];
    assert.equal(shared[0], shared[1], 'memoised objects stay shared');
    assert.deepEqual(shared[0], [1, 2]);
  });
}

test('protocol 0 text opcodes', () => {
  // pickle.dumps({'a': [1, 2.5, 'x', None, True]}, protocol=0)
  const value = unpickleTorchValue(hex('286470300a56610a70310a286c70320a49310a6146322e350a6156780a70330a614e614930310a61732e'), 'p0') as Map<string, unknown>;
  assert.deepEqual(value.get('a'), [1, 2.5, 'x', null, true]);
});

test('an unknown global is rejected with a one-line error naming it and the file', () => {
  // cos\nsystem\n(S'echo hi'\ntR. : the classic code-execution pickle
  const evil = ascii("cos\nsystem\n(X\x07\x00\x00\x00echo hitR.");
  assert.throws(() => unpickleTorchValue(evil, 'evil.pkl'), (error: Error) => {
    assert.equal(error.message, "evil.pkl: pickle global 'os.system' is not allowed (only tensors, storages and plain Python values are loaded; nothing is executed)");
    return true;
  });
  const builtinsEval = ascii('\x80\x04\x8c\x08builtins\x8c\x04eval\x93.');
  assert.throws(() => unpickleTorchValue(builtinsEval, 'b.pkl'), /b\.pkl: pickle global 'builtins\.eval' is not allowed/);
});

test('object-construction opcodes and malformed pickles are rejected', () => {
  assert.throws(() => unpickleTorchValue(ascii('(iposix\nsystem\n.'), 'inst.pkl'), /inst\.pkl: pickle opcode INST is not allowed/);
  assert.throws(() => unpickleTorchValue(ascii('\x80\x02K\x01'), 'short.pkl'), /short\.pkl: pickle data ends early/);
  assert.throws(() => unpickleTorchValue(ascii('\x80\x02\xff.'), 'op.pkl'), /op\.pkl: pickle unknown opcode 0xff/);
  assert.throws(() => unpickleTorchValue(ascii('\x80\x02h\x05.'), 'memo.pkl'), /memo\.pkl: pickle memo entry 5 is undefined/);
  assert.throws(() => unpickleTorchValue(ascii('\x80\x02K\x01K\x02.'), 'two.pkl'), /two\.pkl: pickle ends with 2 values on the stack/);
  assert.throws(() => unpickleTorchValue(ascii('\x80\x02X\x01\x00\x00\x000Q.'), 'pid.pkl'), /pid\.pkl: persistent id "0" is not a torch storage reference/);
});

test('names inherited from Object.prototype are not mistaken for allowed torch globals', () => {
  assert.throws(() => unpickleTorchValue(ascii('\x80\x02ctorch\nconstructor\n.'), 'proto.pkl'), /proto\.pkl: pickle global 'torch\.constructor' is not allowed/);
  assert.throws(() => unpickleTorchValue(ascii('\x80\x02ctorch\ntoString\n.'), 'proto.pkl'), /pickle global 'torch\.toString' is not allowed/);
});
