/** Public surface of the projector service. */
export { Projector, startProjector, type ProjectorOptions, type ProjectorHooks, type ProjectorStatus, type ProjectorRole } from './projector.js';
export { runProjector, projectorPort, type RunProjectorOptions, type RunningProjector } from './run.js';
export { isNoProjectionsError, NoProjectionsError, replay, type ReplayOptions, type ReplayProgress, type ReplayResult } from './replay.js';
export { projectorMetrics, type ProjectorMetrics } from './metrics.js';
