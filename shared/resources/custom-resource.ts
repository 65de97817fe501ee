/**
 * The strategy a served CRD's custom resources get: prune and default from the schema of the
 * version a request names, validate against it, print its additionalPrinterColumns, scale by its
 * scale paths, select by its selectableFields. A CRD with several served versions has one such strategy per version (`versions`);
 * the kind's own is the preferred version's. Pure.
 */
import type { KindStrategy } from './strategy.js';
import { ApiError } from '../errors.js';
import { servedVersions, type Crd, type CrdVersion } from './crd.js';
import { applySchemaDefaults, crdPrinter, prune, validateAgainstSchema } from './cr-schema.js';
import { selectableFieldLabels } from './crd-versions.js';
import { hasRules, validateRules } from './crd-cel.js';

export function customResourceStrategy(crd: Crd): KindStrategy {
  const perVersion = servedVersions(crd).map((v) => [v.name, versionStrategy(crd, v)] as const);
  return { ...perVersion[0]![1], versions: Object.fromEntries(perVersion) };
}

function versionStrategy(crd: Crd, v: CrdVersion): KindStrategy {
  const schema = v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const scale = v.subresources?.scale;
  return {
    kind: crd.spec.names.kind,
    statusSubresource: v.subresources?.status !== undefined,
    generation: true,
    customResource: true,
    defaults: (o) => {
      prune(o, schema);
      applySchemaDefaults(o, schema);
    },
    validate: (obj, old) => {
      const causes = validateAgainstSchema(obj, schema);
      if (!hasRules(schema)) return causes;
      // Kubernetes runs the rules only on an object of the right types (hasBlockingErr).
      if (causes.some((c) => c.reason === 'FieldValueTypeInvalid')) {
        return [...causes, { reason: 'FieldValueInvalid', field: '', message: 'Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation' }];
      }
      return [...causes, ...validateRules(obj, old, schema)];
    },
    printer: crdPrinter(v.additionalPrinterColumns),
    unknownFields: (o) => prune(structuredClone(o), schema),
    ...(crd.metadata.deletionTimestamp
      ? { admitCreate: () => new ApiError('MethodNotAllowed', 'create not allowed while custom resource definition is terminating') }
      : {}),
    ...(scale ? { scale } : {}),
    // selectableFields: field selectors on the object's own paths (SQL and watches read the object).
    ...(v.selectableFields?.length ? { fields: Object.fromEntries(selectableFieldLabels(v.selectableFields).map((f) => [f, {}])) } : {}),
  };
}
