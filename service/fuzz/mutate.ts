/** Byte, JSON and envelope mutations, all driven by the run's seeded PRNG. */
import type { Random } from "./prng.js";

const interesting = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x1a, 0x22, 0xc0, 0xed, 0xf4];

/** A few random edits of `input` (never the original object). */
export function mutateBytes(rng: Random, input: Uint8Array, donor?: Uint8Array): Uint8Array {
  let bytes: Uint8Array = Uint8Array.from(input);
  for (let edits = rng.between(1, 4); edits > 0; edits--) {
    const at = rng.int(bytes.length + 1);
    switch (rng.int(9)) {
      case 0:
        if (bytes.length) bytes[at % bytes.length]! ^= 1 << rng.int(8);
        break;
      case 1:
        if (bytes.length) bytes[at % bytes.length] = rng.pick(interesting);
        break;
      case 2:
        bytes = concat(bytes.subarray(0, at), rng.bytes(rng.between(1, 8)), bytes.subarray(at));
        break;
      case 3:
        bytes = concat(bytes.subarray(0, at), bytes.subarray(at + rng.between(1, 8)));
        break;
      case 4:
        bytes = bytes.subarray(0, at);
        break;
      case 5:
        bytes = concat(bytes, bytes.subarray(at));
        break;
      case 6:
        if (donor) bytes = concat(bytes.subarray(0, at), donor.subarray(rng.int(donor.length + 1)));
        break;
      case 7:
        bytes = concat(bytes.subarray(0, at), Uint8Array.of(rng.pick(interesting)), bytes.subarray(at));
        break;
      default:
        bytes = rng.bytes(rng.between(0, 64));
    }
  }
  return bytes;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** A string meant to upset decoders, validators, tokenizers and the database. */
export function nastyString(rng: Random): string {
  switch (rng.int(10)) {
    case 0:
      return "";
    case 1:
      return "\ud800 lone surrogate \udfff";
    case 2:
      return "x".repeat(rng.pick([190, 191, 192, 201, 16_385, 70_000]));
    case 3:
      return "🚀".repeat(rng.between(1, 5_000));
    case 4:
      return " \t\n\u00a0\u2028\u200b".repeat(rng.between(1, 300));
    case 5:
      return "\u0000\u0001\u001b[31m\r\n";
    case 6:
      return "' OR 1=1; -- \\ % _ `";
    case 7:
      return "00000000-0000-0000-0000-000000000000";
    case 8:
      return Buffer.from(rng.bytes(rng.between(1, 40))).toString("latin1");
    default:
      return "e\u0301".repeat(rng.between(1, 2_000));
  }
}

function nastyValue(rng: Random): unknown {
  switch (rng.int(8)) {
    case 0:
      return nastyString(rng);
    case 1:
      return rng.pick([-1, 0, 1.5, 2 ** 32, 2 ** 53 + 1, -(2 ** 31)]);
    case 2:
      return null;
    case 3:
      return [nastyString(rng)];
    case 4:
      return { nested: nastyString(rng) };
    case 5:
      return rng.chance(0.5);
    case 6:
      return "4294967296";
    default:
      return rng.pick(["NaN", "Infinity", "1e400", "0x10"]);
  }
}

/** A mutated copy of a JSON object: fields replaced, removed, added or renamed. */
export function mutateJson(rng: Random, input: Record<string, unknown>): Record<string, unknown> {
  const output = { ...input };
  for (let edits = rng.between(1, 3); edits > 0; edits--) {
    const keys = Object.keys(output);
    const key = keys.length ? rng.pick(keys) : "x";
    switch (rng.int(4)) {
      case 0:
        output[key] = nastyValue(rng);
        break;
      case 1:
        delete output[key];
        break;
      case 2:
        output[rng.pick(["unknownField", "user_id", "__proto__", "constructor", "chat_id"])] =
          nastyValue(rng);
        break;
      default:
        output[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = output[key];
    }
  }
  return output;
}

/** Length-prefixed messages (gRPC, gRPC-Web, Connect streaming): `flags`, a 32-bit length, the payload. */
export function envelope(payload: Uint8Array, flags = 0): Uint8Array {
  const header = Buffer.alloc(5);
  header[0] = flags;
  header.writeUInt32BE(payload.length, 1);
  return concat(header, payload);
}

/** An envelope whose framing itself is wrong: a lying length, odd flags, extra or missing messages. */
export function badEnvelope(rng: Random, payload: Uint8Array): Uint8Array {
  const framed = Buffer.from(envelope(payload, rng.pick([0, 1, 2, 0x80, 0x7f, 0xff])));
  switch (rng.int(4)) {
    case 0:
      framed.writeUInt32BE((payload.length + rng.pick([-1, 1, 1000, 2 ** 31])) >>> 0, 1);
      return framed;
    case 1:
      return concat(framed, envelope(payload));
    case 2:
      return framed.subarray(0, rng.int(5));
    default:
      return concat(framed, rng.bytes(rng.between(1, 6)));
  }
}
