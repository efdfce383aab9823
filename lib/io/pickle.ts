/**
 * A safe pickle virtual machine (protocols 0–5, the opcodes `torch.save` and plain Python data need).
 * It builds values only: Python containers become JS values, and a GLOBAL is just a name that the
 * caller resolves to one of its own pure functions. Nothing in the pickle is ever executed; an
 * unknown global, an object-construction opcode or an out-of-band buffer is rejected with an error.
 *
 * Value mapping: None → null, bool → boolean, int → number (bigint beyond 2^53), float → number,
 * str → string, bytes/bytearray → Uint8Array, list → array, tuple → frozen array, dict → Map,
 * set/frozenset → Set. Persistent ids and globals are resolved through `PickleHooks`.
 */

/** A GLOBAL reference (`module.name`), pushed on the stack until it is called or used as data. */
export class PickleGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

export interface PickleHooks {
  /**
   * Resolves REDUCE / NEWOBJ of an allowed global: returns the built value. Throws (naming the global)
   * for anything not on the caller's list.
   */
  call(global: PickleGlobal, args: readonly unknown[]): unknown;
  /**
   * Resolves a GLOBAL to the value pushed on the stack: usually the PickleGlobal itself (to be called
   * or passed as data, e.g. a storage type), or a data value (e.g. a dtype). Throws for globals that
   * are not allowed at all.
   */
  resolveGlobal(global: PickleGlobal): unknown;
  /** Resolves a persistent id (torch: the storage tuple). */
  persistentLoad(pid: unknown): unknown;
  /** Applies BUILD state to a value built by `call` (default: rejected). */
  build?(target: unknown, state: unknown): void;
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Opcode names for error messages (the ones this VM does not accept). */
const REJECTED: Record<number, string> = {
  0x69: 'INST', 0x6f: 'OBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x92: 'NEWOBJ_EX',
  0x97: 'NEXT_BUFFER (out-of-band buffer)', 0x98: 'READONLY_BUFFER (out-of-band buffer)',
};

export function unpickle(bytes: Uint8Array, hooks: PickleHooks, source: string): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const fail = (message: string): never => {
    throw new Error(`${source}: pickle ${message} (at byte ${pos})`);
  };
  const need = (n: number): void => {
    if (n < 0 || pos + n > bytes.byteLength) fail(`data ends early: ${n} more bytes needed`);
  };
  const u8 = (): number => { need(1); return bytes[pos++]!; };
  const u16 = (): number => { need(2); const v = view.getUint16(pos, true); pos += 2; return v; };
  const u32 = (): number => { need(4); const v = view.getUint32(pos, true); pos += 4; return v; };
  const i32 = (): number => { need(4); const v = view.getInt32(pos, true); pos += 4; return v; };
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is too large`);
    return Number(v);
  };
  const take = (n: number): Uint8Array => { need(n); const out = bytes.subarray(pos, pos + n); pos += n; return out; };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('text argument has no newline');
    const text = new TextDecoder('latin1').decode(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const utf8 = (raw: Uint8Array): string => {
    try {
      return textDecoder.decode(raw);
    } catch {
      return fail('string is not valid UTF-8');
    }
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const previous = metastack.pop();
    if (!previous) return fail('MARK missing');
    stack = previous;
    return items;
  };
  const memoGet = (index: number): unknown => {
    if (!memo.has(index)) fail(`memo entry ${index} is undefined`);
    return memo.get(index);
  };
  const setItems = (target: unknown, items: unknown[]): void => {
    if (!(target instanceof Map)) fail('SETITEM(S) on something that is not a dict');
    if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) (target as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]): void => {
    if (!Array.isArray(target) || Object.isFrozen(target)) fail('APPEND(S) on something that is not a list');
    (target as unknown[]).push(...items);
  };
  const globalRef = (module: string, name: string): unknown => hooks.resolveGlobal(new PickleGlobal(module, name));
  const callGlobal = (callable: unknown, args: unknown): unknown => {
    if (!(callable instanceof PickleGlobal)) fail('REDUCE/NEWOBJ on a value that is not an allowed global');
    if (!Array.isArray(args)) fail(`arguments of ${(callable as PickleGlobal).qualifiedName} are not a tuple`);
    return hooks.call(callable as PickleGlobal, args as unknown[]);
  };
  const decodeLong = (raw: Uint8Array): number | bigint => {
    if (raw.byteLength === 0) return 0;
    let value = 0n;
    for (let i = raw.byteLength - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i]!);
    if (raw[raw.byteLength - 1]! & 0x80) value -= 1n << BigInt(raw.byteLength * 8);
    return normalizeInt(value);
  };

  for (;;) {
    const opcode = u8();
    switch (opcode) {
      case 0x80: { // PROTO
        const protocol = u8();
        if (protocol > 5) fail(`protocol ${protocol} is not supported (0–5)`);
        break;
      }
      case 0x95: u64(); break; // FRAME: a size hint only
      case 0x2e: { // STOP
        if (stack.length !== 1 || metastack.length !== 0) fail(`ends with ${stack.length} values on the stack`);
        return stack[0];
      }
      case 0x28: metastack.push(stack); stack = []; break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: stack.push(decodeLong(take(u8()))); break; // LONG1
      case 0x8b: { // LONG4
        const n = i32();
        if (n < 0) fail('LONG4 with a negative length');
        stack.push(decodeLong(take(n)));
        break;
      }
      case 0x49: { // INT (text; "00"/"01" are False/True in protocol 0)
        const text = line();
        if (text === '00' || text === '01') stack.push(text === '01');
        else if (/^[+-]?\d+$/.test(text)) stack.push(normalizeInt(BigInt(text)));
        else fail(`INT argument '${text}' is not an integer`);
        break;
      }
      case 0x4c: { // LONG (text, trailing L)
        const text = line().replace(/L$/, '');
        if (!/^[+-]?\d+$/.test(text)) fail(`LONG argument '${text}' is not an integer`);
        stack.push(normalizeInt(BigInt(text)));
        break;
      }
      case 0x47: { need(8); stack.push(view.getFloat64(pos, false)); pos += 8; break; } // BINFLOAT (big-endian)
      case 0x46: { // FLOAT (text)
        const text = line();
        const value = Number(text);
        if (Number.isNaN(value) && !/nan/i.test(text)) fail(`FLOAT argument '${text}' is not a number`);
        stack.push(value);
        break;
      }
      case 0x56: // UNICODE (protocol 0: raw-unicode-escape, only \uXXXX / \UXXXXXXXX are escapes)
        stack.push(line().replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u4: string | undefined, u8: string | undefined) => String.fromCodePoint(parseInt((u4 ?? u8)!, 16))));
        break;
      case 0x58: stack.push(utf8(take(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(utf8(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(utf8(take(u64()))); break; // BINUNICODE8
      case 0x54: stack.push(utf8(take(i32()))); break; // BINSTRING (Python 2 str, read as UTF-8)
      case 0x55: stack.push(utf8(take(u8()))); break; // SHORT_BINSTRING
      case 0x42: stack.push(take(u32()).slice()); break; // BINBYTES
      case 0x43: stack.push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: stack.push(take(u64()).slice()); break; // BINBYTES8
      case 0x96: stack.push(take(u64()).slice()); break; // BYTEARRAY8
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push(Object.freeze([])); break; // EMPTY_TUPLE
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x8f: stack.push(new Set()); break; // EMPTY_SET
      case 0x6c: { const items = popMark(); stack.push(items); break; } // LIST
      case 0x74: { const items = popMark(); stack.push(Object.freeze(items)); break; } // TUPLE
      case 0x85: stack.push(Object.freeze([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(Object.freeze([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(Object.freeze([a, b, c])); break; } // TUPLE3
      case 0x64: { const items = popMark(); const dict = new Map(); setItems(dict, items); stack.push(dict); break; } // DICT
      case 0x91: { const items = popMark(); stack.push(new Set(items)); break; } // FROZENSET
      case 0x61: { const value = pop(); appendItems(top(), [value]); break; } // APPEND
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
      case 0x73: { const value = pop(); const key = pop(); setItems(top(), [key, value]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x90: { // ADDITEMS
        const items = popMark();
        const target = top();
        if (!(target instanceof Set)) fail('ADDITEMS on something that is not a set');
        for (const item of items) (target as Set<unknown>).add(item);
        break;
      }
      case 0x67: stack.push(memoGet(Number(line()))); break; // GET
      case 0x68: stack.push(memoGet(u8())); break; // BINGET
      case 0x6a: stack.push(memoGet(u32())); break; // LONG_BINGET
      case 0x70: memo.set(Number(line()), top()); break; // PUT
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        stack.push(globalRef(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(globalRef(module as string, name as string));
        break;
      }
      case 0x52: { const args = pop(); stack.push(callGlobal(pop(), args)); break; } // REDUCE
      case 0x81: { const args = pop(); stack.push(callGlobal(pop(), args)); break; } // NEWOBJ (cls.__new__(cls, *args))
      case 0x62: { // BUILD
        const state = pop();
        const target = top();
        if (!hooks.build) fail('BUILD (object state) is not supported');
        hooks.build!(target, state);
        break;
      }
      case 0x51: stack.push(hooks.persistentLoad(pop())); break; // BINPERSID
      case 0x50: stack.push(hooks.persistentLoad(line())); break; // PERSID
      default: {
        const name = REJECTED[opcode];
        fail(name ? `opcode ${name} is not allowed` : `unknown opcode 0x${opcode.toString(16).padStart(2, '0')}`);
      }
    }
  }
}

function normalizeInt(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}
