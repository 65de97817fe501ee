/**
 * protobufjs types for the message tables: each table row becomes a proto2 field (proto2, so that
 * presence is kept: a Go pointer set to zero is not the same as an unset one).
 */
import protobuf from 'protobufjs';
import type { FieldRow, MessageTable } from './schema.js';

const SCALARS = new Set(['string', 'bool', 'int32', 'int64', 'bytes', 'double']);

export function isScalar(type: string): boolean {
  return SCALARS.has(type);
}

/** Parse `[]T` and `map<string,T>` into their element type. */
export function shape(type: string): { kind: 'single' | 'repeated' | 'map'; elem: string } {
  if (type.startsWith('[]')) return { kind: 'repeated', elem: type.slice(2) };
  const m = /^map<string,(\w+)>$/.exec(type);
  if (m) return { kind: 'map', elem: m[1]! };
  return { kind: 'single', elem: type };
}

function fieldLine(name: string, [id, type]: FieldRow): string {
  const { kind, elem } = shape(type);
  switch (kind) {
    case 'map':
      return `map<string, ${elem}> ${name} = ${id};`;
    case 'repeated':
      return `repeated ${elem} ${name} = ${id};`;
    case 'single':
      return `optional ${elem} ${name} = ${id};`;
  }
}

/** One protobufjs Root holding every message of the given tables. */
export function buildRoot(...tables: MessageTable[]): protobuf.Root {
  const text = ['syntax = "proto2";', 'package jk;'];
  for (const table of tables) {
    for (const [msg, fields] of Object.entries(table)) {
      text.push(`message ${msg} {`, ...Object.entries(fields).map(([n, row]) => `  ${fieldLine(n, row)}`), '}');
    }
  }
  const root = protobuf.parse(text.join('\n'), { keepCase: true }).root;
  root.resolveAll();
  return root;
}
