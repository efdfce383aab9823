// Reading the JSON inputs of the scorers: plain or gzip files, with one-line errors naming the file.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** Reads a JSON file (gunzipped when it starts with the gzip magic bytes). */
export function readJsonInput(path: string): unknown {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${path}: cannot read the file (${code ?? String(error)})`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new Error(`${path}: not a valid gzip file (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  const text = bytes.toString('utf8');
  if (text.trim().length === 0) throw new Error(`${path}: the file is empty (expected JSON)`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** A short rendering of a JSON value for error messages. */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The kind of a JSON value, for "expected X, got Y" messages. */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing (the key is missing)';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** An image or question id as JSON has it: an integer or a non-empty string. */
export function isJsonId(value: unknown): value is number | string {
  return (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && value.length > 0);
}
