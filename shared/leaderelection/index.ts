/** Leader election on a coordination.k8s.io/v1 Lease through the gateway (client-go's tools/leaderelection). */
export {
  decide,
  observe,
  recordOf,
  releaseLease,
  expiresAtMs,
  leaseDurationSeconds,
  type Decision,
  type DecideInput,
  type ElectionRecord,
  type ElectionTiming,
  type LeaseRead,
  type Observation,
  type StepDownReason,
} from './decide.js';
export { LeaderElector, defaultIdentity, LEADER_METRIC, type LeaderElectorOptions, type LeaseClient, type ElectorState, type LostReason } from './elector.js';
export {
  DEFAULT_LEADER_ELECTION,
  JITTER_FACTOR,
  leaderElectionFromArgs,
  leaderElectionFromEnv,
  parseDuration,
  resolveLeaderElection,
  validateTiming,
  LEASE_NAMESPACE,
  type LeaderElectionOptions,
  type LeaderElectionSettings,
} from './config.js';
export { electorFor, electionRole, type ServiceElectionHooks } from './for-service.js';
