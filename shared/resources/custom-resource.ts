/**
 * The strategy a served CRD's custom resources get: prune and default from the version's schema,
 * validate against it, print its additionalPrinterColumns, scale by its scale paths. Pure.
 */
import type { KindStrategy } from './strategy.js';
import { ApiError } from '../errors.js';
import { servedVersion, type Crd } from './crd.js';
import { applySchemaDefaults, crdPrinter, prune, validateAgainstSchema } from './cr-schema.js';

export function customResourceStrategy(crd: Crd): KindStrategy {
  const v = servedVersion(crd)!;
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
    validate: (obj) => validateAgainstSchema(obj, schema),
    printer: crdPrinter(v.additionalPrinterColumns),
    unknownFields: (o) => prune(structuredClone(o), schema),
    ...(crd.metadata.deletionTimestamp
      ? { admitCreate: () => new ApiError('MethodNotAllowed', 'create not allowed while custom resource definition is terminating') }
      : {}),
    ...(scale ? { scale } : {}),
  };
}
