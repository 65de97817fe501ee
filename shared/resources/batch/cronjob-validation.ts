/**
 * Semantic validation of batch/v1 CronJobs as in Kubernetes 1.32 (pkg/apis/batch/validation
 * ValidateCronJobCreate / ValidateCronJobUpdate): the 52-character name, the schedule (robfig
 * ParseStandard), the TZ rules, timeZone, concurrencyPolicy, the job template, the history limits.
 *
 * TZ rules: on create a schedule containing "TZ" is refused ("cannot use TZ or CRON_TZ in
 * schedule, use timeZone field instead"); on update it is kept only if the old schedule had it
 * too, and then timeZone may not be set as well ("cannot use both timeZone field and TZ or CRON_TZ
 * in schedule"). timeZone is checked on create and when it changes.
 */
import type { StatusCause } from '../../errors.js';
import { invalidValue, notSupported, required } from '../field-errors.js';
import { validateJobSpec } from './job-validation.js';
import type { CronJob } from './types.js';
import { isLoadableTimeZone, parseStandard } from './schedule.js';

const VALID_TZ_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

const nonNegative = (field: string, v: number | undefined): StatusCause[] =>
  typeof v === 'number' && v < 0 ? [invalidValue(field, v, 'must be greater than or equal to 0')] : [];

export function validateTimeZone(tz: string | undefined, path = 'spec.timeZone'): StatusCause[] {
  if (tz === undefined) return [];
  if (tz.length === 0) return [invalidValue(path, tz, 'timeZone must be nil or non-empty string')];
  for (const part of tz.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !VALID_TZ_PART.test(part)) {
      return [invalidValue(path, tz, `unknown time zone ${tz}`)];
    }
  }
  const causes: StatusCause[] = [];
  if (tz.toLowerCase() === 'local') causes.push(invalidValue(path, tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  if (!isLoadableTimeZone(tz)) causes.push(invalidValue(path, tz, `unknown time zone ${tz}`));
  return causes;
}

export function validateScheduleFormat(schedule: string, allowTZInSchedule: boolean, timeZone: string | undefined, path = 'spec.schedule'): StatusCause[] {
  const causes: StatusCause[] = [];
  const r = parseStandard(schedule);
  if (!r.ok) causes.push(invalidValue(path, schedule, r.error));
  const hasTZ = schedule.includes('TZ');
  if (allowTZInSchedule && hasTZ && timeZone !== undefined) {
    causes.push(invalidValue(path, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!allowTZInSchedule && hasTZ) {
    causes.push(invalidValue(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return causes;
}

/** ValidateCronJobCreate (old undefined) or ValidateCronJobUpdate (the name limit only applies on create). */
export function validateCronJob(cj: CronJob, old?: CronJob): StatusCause[] {
  const causes: StatusCause[] = [];
  const s = cj.spec;
  if (!old && (cj.metadata.name ?? '').length > 52) {
    causes.push(invalidValue('metadata.name', cj.metadata.name ?? '', 'must be no more than 52 characters'));
  }
  if (!s) return [...causes, required('spec')];
  if (!s.schedule) causes.push(required('spec.schedule'));
  else causes.push(...validateScheduleFormat(s.schedule, old ? (old.spec?.schedule ?? '').includes('TZ') : false, s.timeZone));
  causes.push(...nonNegative('spec.startingDeadlineSeconds', s.startingDeadlineSeconds));
  if (!old || old.spec?.timeZone !== s.timeZone) causes.push(...validateTimeZone(s.timeZone));
  const cp = s.concurrencyPolicy as string | undefined;
  if (cp === undefined || cp === '') causes.push(required('spec.concurrencyPolicy'));
  else if (cp !== 'Allow' && cp !== 'Forbid' && cp !== 'Replace') causes.push(notSupported('spec.concurrencyPolicy', cp, ['Allow', 'Forbid', 'Replace']));
  const jt = s.jobTemplate;
  if (!jt?.spec) causes.push(required('spec.jobTemplate.spec'));
  else {
    causes.push(...validateJobSpec(jt.spec, 'spec.jobTemplate.spec'));
    if (jt.spec.selector !== undefined) causes.push(invalidValue('spec.jobTemplate.spec.selector', jt.spec.selector, '`selector` will be auto-generated'));
    if (jt.spec.manualSelector === true) {
      causes.push({ reason: 'FieldValueNotSupported', field: 'spec.jobTemplate.spec.manualSelector', message: 'Unsupported value: true: supported values: "nil", "false"' });
    }
  }
  causes.push(...nonNegative('spec.successfulJobsHistoryLimit', s.successfulJobsHistoryLimit));
  causes.push(...nonNegative('spec.failedJobsHistoryLimit', s.failedJobsHistoryLimit));
  return causes;
}
