/**
 * CustomResourceDefinition validation rules (`x-kubernetes-validations`, CEL), pure: the structural
 * schema becomes CEL types (cel/types.ts), each rule is compiled and type-checked when the CRD is
 * written, a rule that does not compile refusing the CRD with 422 and Kubernetes' field path and
 * wording (cel/compile.ts), and custom resources are checked against the compiled rules on create
 * and update: `self`, `oldSelf` for transition rules, message / messageExpression / reason /
 * fieldPath as Kubernetes has them (cel/validate.ts).
 *
 * The evaluator is @marcbachmann/cel-js (macros, optional types, timestamps and durations, the
 * common string functions); jetkube adds Kubernetes' list library, string replace/charAt,
 * `matches` in RE2 and the quantity and URL libraries (cel/library.ts). What else Kubernetes'
 * libraries have (ip, cidr, format, authorizer, sets, semver...) is not declared, so a rule calling
 * it fails to compile and the CRD is refused: never accepted and ignored.
 *
 * Cost: Kubernetes estimates a rule's cost from the schema's maxItems/maxLength and refuses a CRD
 * whose rules may cost too much, then meters evaluation. jetkube bounds evaluation instead: before
 * running a rule it estimates (expression size) × (largest collection in self + 1)^(comprehension
 * nesting), refuses the object above PER_CALL_LIMIT, and stops all rules of a request above
 * REQUEST_BUDGET, so `self.all(x, self.all(y, ...))` over a big list can't stall a gateway.
 */
export { celFieldName } from './cel/types.js';
export { hasRules, ruleCompileCauses, type ValidationRule } from './cel/compile.js';
export { PER_CALL_LIMIT, REQUEST_BUDGET, validateRules } from './cel/validate.js';
