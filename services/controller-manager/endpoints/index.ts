/** The Endpoints controller's pure core: what its reconciler imports. */
export {
  HEADLESS_SERVICE_LABEL,
  LEADER_ELECTION_ANNOTATION,
  serviceSelector,
  isManagedService,
  selectsPod,
  isPodTerminal,
  podIP,
  shouldPodBeInEndpoints,
  dedupeByIP,
  shouldSetHostname,
  podEndpointAddress,
  findPort,
  endpointPort,
  desiredSubsets,
  endpointsLabels,
  endpointsNeedWrite,
  endpointsFor,
  isOrphanDeletable,
  podEndpointsChanged,
} from './plan.js';
export { repackSubsets, sortSubsets, compareAddresses, comparePorts } from './repack.js';
