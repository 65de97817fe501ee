#!/usr/bin/env node
// Builds services/gateway/protobuf/k8s-messages.json, the protobuf messages the gateway decodes
// Kubernetes protobuf request bodies with, from the Go types of k8s.io/api and
// k8s.io/apimachinery: each struct field's Go type, its `json:"..."` tag and its `protobuf:"..."`
// tag say everything a row needs.
//
//   node scripts/gen-protobuf.mjs path/to/k8s.io/api path/to/k8s.io/apimachinery
//
// Either path may be a checkout or a bare git repository (read at HEAD, whose commit is recorded).
//
// One message per Go struct reachable from KINDS below, one row per field:
// `[field number, type, mode]`.
// - type: `string`, `bool`, `int32`, `int64`, `double`, `bytes`, a message, a wrapper (WRAPPERS:
//   Go types with their own JSON form, whose wire fields services/gateway/protobuf/schema.ts
//   defines), `[]T` for repeated, `map<string,T>` for maps. Named Go types are resolved to what they
//   name (`type RestartPolicy string` is a string, `type ResourceList map[ResourceName]Quantity` a
//   map). A named slice marked `+protobuf.nullable=true` (ExtraValue) is a message of its own on the
//   wire, `{ repeated T items = 1; }`, whose JSON is the slice: a message listed under `lists`.
// - mode: `ptr` (a Go pointer), `omit` (omitempty), `req` (neither), `inline` (an embedded struct
//   without a JSON name, keyed by its protobuf name).
// Fields without a protobuf tag, or with `protobuf:"-"`, are not on the wire and are left out.
// Every message is checked against the package's generated.proto: same fields, numbers, types.
// Kept: names, numbers, types, pointer/omitempty. Nothing else (no comments, no code).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [apiPath, machineryPath] = process.argv.slice(2);
if (!apiPath || !machineryPath) {
  console.error('usage: node scripts/gen-protobuf.mjs <k8s.io/api checkout> <k8s.io/apimachinery checkout>');
  process.exit(2);
}

/** The kinds (and other top-level messages) whose messages are emitted, by Go package. */
const KINDS = {
  'k8s.io/api/core/v1': [
    'Namespace', 'Node', 'Pod', 'Service', 'Endpoints', 'ConfigMap', 'Secret', 'ServiceAccount', 'Event',
    'PersistentVolume', 'PersistentVolumeClaim', 'Binding',
  ],
  'k8s.io/api/apps/v1': ['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'ControllerRevision'],
  'k8s.io/api/batch/v1': ['Job', 'CronJob'],
  'k8s.io/api/coordination/v1': ['Lease'],
  'k8s.io/api/policy/v1': ['Eviction', 'PodDisruptionBudget'],
  'k8s.io/api/rbac/v1': ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'],
  'k8s.io/api/authorization/v1': ['SelfSubjectAccessReview', 'SubjectAccessReview', 'LocalSubjectAccessReview', 'SelfSubjectRulesReview'],
  'k8s.io/api/authentication/v1': ['TokenRequest', 'TokenReview', 'SelfSubjectReview'],
  'k8s.io/api/networking/v1': ['Ingress', 'IngressClass', 'NetworkPolicy'],
  'k8s.io/api/storage/v1': ['StorageClass'],
  'k8s.io/api/autoscaling/v2': ['HorizontalPodAutoscaler'],
  'k8s.io/apimachinery/pkg/apis/meta/v1': ['DeleteOptions'],
};

/** Go types with a JSON form of their own, by package and name: the gateway converts them by hand. */
const WRAPPERS = {
  'k8s.io/apimachinery/pkg/apis/meta/v1.Time': 'Time',
  'k8s.io/apimachinery/pkg/apis/meta/v1.MicroTime': 'MicroTime',
  'k8s.io/apimachinery/pkg/apis/meta/v1.Duration': 'Duration',
  'k8s.io/apimachinery/pkg/apis/meta/v1.FieldsV1': 'FieldsV1',
  'k8s.io/apimachinery/pkg/api/resource.Quantity': 'Quantity',
  'k8s.io/apimachinery/pkg/util/intstr.IntOrString': 'IntOrString',
  'k8s.io/apimachinery/pkg/runtime.RawExtension': 'RawExtension',
};

const BASIC = { string: 'string', bool: 'bool', int32: 'int32', int64: 'int64', float64: 'double' };

// ---- Reading a source tree: a directory, or a bare git repository at HEAD ----

function source(path, module) {
  const bare = !existsSync(join(path, '.git')) && existsSync(join(path, 'HEAD')) && existsSync(join(path, 'objects'));
  const git = (...args) => execFileSync('git', ['-C', path, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  let commit = 'unknown';
  try {
    commit = git('rev-parse', 'HEAD').trim();
  } catch {
    // an exported tree: no commit to record
  }
  return {
    module,
    commit,
    /** The .go and generated.proto files of one package directory, name → text. */
    files(dir) {
      if (bare) {
        const names = git('ls-tree', '--name-only', `HEAD:${dir}`).split('\n').filter(Boolean);
        return new Map(names.filter(wanted).map((n) => [n, git('show', `HEAD:${dir}/${n}`)]));
      }
      const full = join(path, dir);
      if (!existsSync(full) || !statSync(full).isDirectory()) throw new Error(`no package ${module}/${dir} under ${path}`);
      return new Map(readdirSync(full).filter(wanted).map((n) => [n, readFileSync(join(full, n), 'utf8')]));
    },
  };
}
const wanted = (n) => n === 'generated.proto' || (n.endsWith('.go') && !n.endsWith('_test.go') && !n.startsWith('zz_generated') && n !== 'generated.pb.go');

const SOURCES = [source(apiPath, 'k8s.io/api'), source(machineryPath, 'k8s.io/apimachinery')];

// ---- Go packages: their named types ----

const packages = new Map();

/** The named types of a Go package (import path), parsed from its files. */
function pkg(importPath) {
  let p = packages.get(importPath);
  if (p) return p;
  const src = SOURCES.find((s) => importPath.startsWith(`${s.module}/`));
  if (!src) throw new Error(`package ${importPath} is in neither checkout`);
  const files = src.files(importPath.slice(src.module.length + 1));
  p = { path: importPath, types: new Map(), proto: parseProto(files.get('generated.proto') ?? '') };
  for (const [name, text] of files) if (name.endsWith('.go')) parseGo(p, name, text);
  packages.set(importPath, p);
  return p;
}

function parseImports(text) {
  const imports = new Map();
  const add = (alias, path) => imports.set(alias ?? path.split('/').pop(), path);
  const block = /^import \(([\s\S]*?)^\)/m.exec(text);
  for (const line of block ? block[1].split('\n') : []) {
    const m = /^\s*(\w+\s+)?"([^"]+)"/.exec(line);
    if (m) add(m[1]?.trim(), m[2]);
  }
  for (const m of text.matchAll(/^import (\w+\s+)?"([^"]+)"/gm)) add(m[1]?.trim(), m[2]);
  return imports;
}

/** Top-level `type X ...` declarations: structs with their fields, and every other named type. */
function parseGo(p, file, text) {
  const imports = parseImports(text);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const decl = /^type (\w+) (=\s*)?(.+?)\s*(\/\/.*)?$/.exec(lines[i]);
    if (!decl) continue;
    // `+protobuf.nullable=true` in the comment right above: a named slice that is a message on the wire.
    let nullable = false;
    for (let j = i - 1; j >= 0 && lines[j].startsWith('//'); j--) if (/^\/\/\s*\+protobuf\.nullable=true/.test(lines[j])) nullable = true;
    const [, name, , rhs] = decl;
    const where = `${p.path}.${name} (${file}:${i + 1})`;
    if (rhs !== 'struct {') {
      if (rhs.endsWith('{')) continue; // interfaces and the like
      p.types.set(name, { kind: 'named', name, expr: rhs, imports, nullable, where });
      continue;
    }
    const fields = [];
    for (i++; i < lines.length && lines[i] !== '}'; i++) {
      const line = lines[i].trim();
      if (line.startsWith('/*')) {
        while (i < lines.length && !lines[i].includes('*/')) i++;
        continue;
      }
      if (line === '' || line.startsWith('//')) continue;
      const f = /^(?:(\w+)\s+)?([\w.*[\]]+)\s*(?:`([^`]*)`)?\s*(?:\/\/.*)?$/.exec(line);
      // Structs never emitted (their fields may be interface{}, func...) are not read further.
      if (!f) {
        fields.push({ unreadable: line, line: i + 1 });
        continue;
      }
      const [, fieldName, expr, tag = ''] = f;
      fields.push({ name: fieldName, expr, tags: parseTag(tag), line: i + 1 });
    }
    p.types.set(name, { kind: 'struct', name, fields, imports, where });
  }
}

function parseTag(tag) {
  const out = {};
  for (const m of tag.matchAll(/(\w+):"([^"]*)"/g)) out[m[1]] = m[2];
  return out;
}

// ---- generated.proto, for the cross-check ----

function parseProto(text) {
  const messages = new Map();
  for (const m of text.matchAll(/^message (\w+) \{\n([\s\S]*?)^\}/gm)) {
    const fields = new Map();
    for (const line of m[2].split('\n')) {
      const f = /^\s*(?:(optional|repeated|required)\s+([\w.]+)|map<\s*([\w.]+),\s*([\w.]+)\s*>)\s+(\w+)\s*=\s*(\d+)/.exec(line);
      if (!f) continue;
      const last = (t) => t.split('.').pop();
      const type = f[3] ? `map<string,${last(f[4])}>` : f[1] === 'repeated' ? `[]${last(f[2])}` : last(f[2]);
      fields.set(f[5], { id: Number(f[6]), type });
    }
    messages.set(m[1], fields);
  }
  return messages;
}

// ---- Go types to rows ----

const messages = new Map(); // message name → { from, rows }
const lists = new Map(); // list wrapper name → { from, elem }
const wrappersUsed = new Set();

/** Resolve identifier `ident` (maybe `pkg.Name`) seen in package `p` with `imports`. */
function lookup(p, imports, ident) {
  const dot = ident.indexOf('.');
  if (dot < 0) return { pkgPath: p.path, name: ident };
  const alias = ident.slice(0, dot);
  const path = imports.get(alias);
  if (!path) throw new Error(`${p.path}: unknown package ${alias} in ${ident}`);
  return { pkgPath: path, name: ident.slice(dot + 1) };
}

/**
 * The row type of Go type expression `expr` in package `p`: a scalar, a message name (queued for
 * emission), `[]T` or `map<string,T>`. `pointer` reports a leading `*`.
 */
function rowType(p, imports, expr, where) {
  if (expr.startsWith('*')) return rowType(p, imports, expr.slice(1), where);
  if (expr === '[]byte') return 'bytes';
  if (expr.startsWith('[]')) {
    const elem = rowType(p, imports, expr.slice(2), where);
    if (elem.startsWith('[]') || elem.startsWith('map<')) throw new Error(`${where}: ${expr} has no protobuf form`);
    return `[]${elem}`;
  }
  const map = /^map\[([\w.]+)\](.+)$/.exec(expr);
  if (map) {
    if (rowType(p, imports, map[1], where) !== 'string') throw new Error(`${where}: map key ${map[1]} is not a string`);
    const value = rowType(p, imports, map[2], where);
    if (value.startsWith('[]') || value.startsWith('map<')) throw new Error(`${where}: ${expr} has no protobuf form`);
    return `map<string,${value}>`;
  }
  if (BASIC[expr]) return BASIC[expr];
  if (!/^[\w.]+$/.test(expr)) throw new Error(`${where}: cannot read the type ${expr}`);
  const { pkgPath, name } = lookup(p, imports, expr);
  const wrapper = WRAPPERS[`${pkgPath}.${name}`];
  if (wrapper) {
    wrappersUsed.add(wrapper);
    return wrapper;
  }
  const tp = pkg(pkgPath);
  const t = tp.types.get(name);
  if (!t) throw new Error(`${where}: no type ${name} in ${pkgPath}`);
  if (t.kind === 'struct') {
    message(tp, t);
    return name;
  }
  if (t.nullable) {
    const m = /^\[\](.+)$/.exec(t.expr);
    if (!m) throw new Error(`${t.where}: +protobuf.nullable on a type that is not a slice`);
    const elem = rowType(tp, t.imports, m[1], t.where);
    addList(name, `${pkgPath}.${name}`, elem);
    return name;
  }
  return rowType(tp, t.imports, t.expr, t.where);
}

function addList(name, from, elem) {
  const had = lists.get(name);
  if (had && had.elem !== elem) throw new Error(`two list wrappers named ${name}: ${had.from} and ${from}`);
  if (!had) lists.set(name, { from, elem });
}

/** Emit the message for struct `t` of package `p`, and (through rowType) every message it uses. */
function message(p, t) {
  const from = `${p.path}.${t.name}`;
  const had = messages.get(t.name);
  if (had) {
    if (had.from === from) return;
    // Two packages with a message of the same name: fine if they are the same message.
    const rows = build(p, t);
    if (JSON.stringify(rows) !== JSON.stringify(had.rows)) throw new Error(`two different messages named ${t.name}: ${had.from} and ${from}`);
    return;
  }
  const entry = { from, rows: undefined };
  messages.set(t.name, entry); // before the fields: a message may reach itself
  entry.rows = build(p, t);
}

function build(p, t) {
  const rows = {};
  const proto = p.proto.get(t.name);
  if (!proto) throw new Error(`${t.where}: no message ${t.name} in ${p.path}/generated.proto`);
  const seen = new Set();
  for (const f of t.fields) {
    if (f.unreadable) throw new Error(`${t.where}: cannot read the field "${f.unreadable}"`);
    const where = `${t.where} field ${f.name ?? f.expr}`;
    const pb = f.tags.protobuf;
    if (pb === undefined || pb === '-') continue;
    const [, idText, ...opts] = pb.split(',');
    const id = Number(idText);
    // Without `name=`, go-to-protobuf names it after the Go field (an embedded one after its type).
    const goName = f.name ?? f.expr.replace(/^\*/, '').split('.').pop();
    const pbName = opts.find((o) => o.startsWith('name='))?.slice(5) ?? goName[0].toLowerCase() + goName.slice(1);
    const [jsonName, ...jsonOpts] = (f.tags.json ?? '').split(',');
    if (jsonName === '-') throw new Error(`${where}: on the wire but not in JSON`);
    const embedded = f.name === undefined;
    const pointer = f.expr.startsWith('*');
    const type = rowType(p, t.imports, f.expr, where);
    const inline = embedded && jsonName === '';
    if (inline && pointer) throw new Error(`${where}: an embedded pointer; its JSON needs a mode of its own`);
    const mode = inline ? 'inline' : pointer ? 'ptr' : jsonOpts.includes('omitempty') ? 'omit' : 'req';
    const key = inline ? pbName : jsonName || goName;
    if (rows[key]) throw new Error(`${where}: two fields named ${key}`);
    // Only the tag's number and name are used: its wire type and opt/rep are not always right
    // upstream (`bytes` on some *int32, `rep` on some strings); the Go type is, and generated.proto
    // (made from the Go types) is checked below.
    // generated.proto agrees.
    const up = proto.get(pbName);
    if (!up) throw new Error(`${where}: no field ${pbName} in message ${t.name} of generated.proto`);
    if (up.id !== id || up.type !== type) throw new Error(`${where}: generated.proto says ${up.type} = ${up.id}, the Go types say ${type} = ${id}`);
    seen.add(pbName);
    rows[key] = [id, type, mode];
  }
  for (const name of proto.keys()) if (!seen.has(name)) throw new Error(`${t.where}: generated.proto has field ${name}, the Go struct has no such protobuf field`);
  return rows;
}

for (const [path, kinds] of Object.entries(KINDS)) {
  const p = pkg(path);
  for (const kind of kinds) {
    const t = p.types.get(kind);
    if (t?.kind !== 'struct') throw new Error(`no struct ${kind} in ${path}`);
    message(p, t);
  }
}
for (const [name, { from, elem }] of lists) {
  if (messages.has(name)) throw new Error(`${name} is both a message and a list wrapper`);
  messages.set(name, { from, rows: { items: [1, `[]${elem}`, 'omit'] } });
}

const sorted = (m) => [...m.keys()].sort();
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'services', 'gateway', 'protobuf', 'k8s-messages.json');
const lines = [
  '{',
  `"source": ${JSON.stringify(`Go types of ${SOURCES.map((s) => `${s.module}@${s.commit}`).join(', ')} (field names, numbers, types, pointer and omitempty; no comments)`)},`,
  `"kinds": ${JSON.stringify(Object.fromEntries(Object.entries(KINDS).map(([p, k]) => [p, k])))},`,
  `"wrappers": ${JSON.stringify([...wrappersUsed].sort())},`,
  `"lists": ${JSON.stringify(sorted(lists))},`,
  '"messages": {',
  sorted(messages).map((n) => `${JSON.stringify(n)}: ${JSON.stringify(messages.get(n).rows)}`).join(',\n'),
  '}',
  '}',
];
writeFileSync(out, `${lines.join('\n')}\n`);
console.log(`${messages.size} messages, ${lists.size} list wrappers, wrappers ${[...wrappersUsed].sort().join(' ')} -> ${out}`);
