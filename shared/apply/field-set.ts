/**
 * A set of field paths, stored as a tree the way Kubernetes stores it (fieldpath.Set): at each
 * level, the elements that are members (a path ends there) and the children (paths go deeper).
 * A path can be both, e.g. a map-list item that a manager owns as a whole and also field by field.
 * Operations return new sets that share nothing with their inputs; only {@link FieldSet.insert}
 * changes a set in place (for builders).
 */
import { comparePaths, compareElements, type Path, type PathElement } from './path.js';
import { serializeElement } from './element-json.js';

interface Child {
  readonly el: PathElement;
  readonly set: FieldSet;
}

export class FieldSet {
  private readonly members = new Map<string, PathElement>();
  private readonly children = new Map<string, Child>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Add a path (in place). The empty path is ignored, as Kubernetes ignores it. */
  insert(p: Path): this {
    if (p.length === 0) return this;
    let s: FieldSet = this;
    for (let i = 0; i < p.length - 1; i++) s = s.descend(p[i]!);
    const last = p[p.length - 1]!;
    s.members.set(serializeElement(last), last);
    return this;
  }

  has(p: Path): boolean {
    if (p.length === 0) return false;
    let s: FieldSet | undefined = this;
    for (let i = 0; i < p.length - 1 && s; i++) s = s.children.get(serializeElement(p[i]!))?.set;
    return s?.members.has(serializeElement(p[p.length - 1]!)) ?? false;
  }

  isEmpty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.set.isEmpty()) return false;
    return true;
  }

  /** How many paths the set holds. */
  size(): number {
    let n = this.members.size;
    for (const c of this.children.values()) n += c.set.size();
    return n;
  }

  /** The members of this level, in Kubernetes' order. */
  memberElements(): PathElement[] {
    return [...this.members.values()].sort(compareElements);
  }

  /** The children of this level, in Kubernetes' order (empty ones left out). */
  childEntries(): { el: PathElement; set: FieldSet }[] {
    return [...this.children.values()].filter((c) => !c.set.isEmpty()).sort((a, b) => compareElements(a.el, b.el));
  }

  isMember(el: PathElement): boolean {
    return this.members.has(serializeElement(el));
  }

  /** The paths under `el` (relative to it); empty when there are none. */
  withPrefix(el: PathElement): FieldSet {
    return this.children.get(serializeElement(el))?.set ?? new FieldSet();
  }

  /** Every path, members of a level before its children, each level in Kubernetes' order. */
  paths(): Path[] {
    const out: Path[] = [];
    const walk = (s: FieldSet, prefix: Path): void => {
      for (const m of s.memberElements()) out.push([...prefix, m]);
      for (const c of s.childEntries()) walk(c.set, [...prefix, c.el]);
    };
    walk(this, []);
    return out;
  }

  /** Every path, sorted (a path before the paths under it). */
  sortedPaths(): Path[] {
    return this.paths().sort(comparePaths);
  }

  union(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, m] of this.members) out.members.set(k, m);
    for (const [k, m] of o.members) out.members.set(k, m);
    for (const [k, c] of this.children) {
      const theirs = o.children.get(k);
      out.children.set(k, { el: c.el, set: theirs ? c.set.union(theirs.set) : c.set.clone() });
    }
    for (const [k, c] of o.children) if (!this.children.has(k)) out.children.set(k, { el: c.el, set: c.set.clone() });
    return out;
  }

  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, m] of this.members) if (o.members.has(k)) out.members.set(k, m);
    for (const [k, c] of this.children) {
      const theirs = o.children.get(k);
      if (!theirs) continue;
      const i = c.set.intersection(theirs.set);
      if (!i.isEmpty()) out.children.set(k, { el: c.el, set: i });
    }
    return out;
  }

  /** The paths of this set that are not in `o` (exact paths: a member of `o` does not remove what is under it). */
  difference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, m] of this.members) if (!o.members.has(k)) out.members.set(k, m);
    for (const [k, c] of this.children) {
      const theirs = o.children.get(k);
      const d = theirs ? c.set.difference(theirs.set) : c.set.clone();
      if (!d.isEmpty()) out.children.set(k, { el: c.el, set: d });
    }
    return out;
  }

  /** Like {@link difference}, but a member of `o` also removes every path under it. */
  recursiveDifference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, m] of this.members) if (!o.members.has(k)) out.members.set(k, m);
    for (const [k, c] of this.children) {
      if (o.members.has(k)) continue;
      const theirs = o.children.get(k);
      const d = theirs ? c.set.recursiveDifference(theirs.set) : c.set.clone();
      if (!d.isEmpty()) out.children.set(k, { el: c.el, set: d });
    }
    return out;
  }

  /** A deep copy. */
  clone(): FieldSet {
    const out = new FieldSet();
    for (const [k, m] of this.members) out.members.set(k, m);
    for (const [k, c] of this.children) out.children.set(k, { el: c.el, set: c.set.clone() });
    return out;
  }

  equals(o: FieldSet): boolean {
    const a = this.sortedPaths();
    const b = o.sortedPaths();
    return a.length === b.length && a.every((p, i) => comparePaths(p, b[i]!) === 0);
  }

  /** A copy where the children named in `promote` are also members (used for named struct fields). */
  withMembers(promote: (el: PathElement) => boolean, childMapper: (el: PathElement, child: FieldSet) => FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, m] of this.members) out.members.set(k, m);
    for (const [k, c] of this.children) {
      if (promote(c.el)) out.members.set(k, c.el);
      out.children.set(k, { el: c.el, set: childMapper(c.el, c.set) });
    }
    return out;
  }

  private descend(el: PathElement): FieldSet {
    const k = serializeElement(el);
    let c = this.children.get(k);
    if (!c) {
      c = { el, set: new FieldSet() };
      this.children.set(k, c);
    }
    return c.set;
  }
}
