// The profiler: where a step's time goes, per op kind, and as a Chrome trace.
export { profileStep } from './profile-step';
export type { ProfileOptions, StepProfile } from './profile-step';
export { formatProfile } from './profile-report';
export type { ProfileReport, ProfileRow } from './profile-report';
export type { TraceEvent } from './chrome-trace';
