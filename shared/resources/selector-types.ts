/** Parsed selectors, shared by the resource model (parsing, matching) and the projections (SQL). */

export type LabelOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

/** One label requirement. `a=b` and `a==b` parse to In [b]; `a!=b` to NotIn [b]. */
export interface Requirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

/** Field selectors support `=`, `==` and `!=` on a fixed set of fields per kind. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: '=' | '!=';
  readonly value: string;
}
