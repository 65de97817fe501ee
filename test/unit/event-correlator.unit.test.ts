/**
 * client-go's EventCorrelator: identical events are counted on the first one (a patch), more than
 * 10 similar messages within 10 minutes are combined, and an object's event spam is dropped past a
 * burst of 25 (a token back every 5 minutes).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../shared/clock.js';
import { buildEvent } from '../../shared/client/events.js';
import { COMBINED_PREFIX, EventCorrelator, SPAM_BURST } from '../../shared/client/event-correlator.js';
import type { KObject } from '../../shared/resources/meta.js';

const pod = (name: string): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}` } });

function setup() {
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const c = new EventCorrelator(() => clock.now());
  const ev = (obj: string, reason: string, message: string) => buildEvent(pod(obj), 'Warning', reason, message, 'kubelet', clock.now(), 'node-1');
  return { clock, c, ev };
}

describe('EventCorrelator', () => {
  it('the same event again: a patch of the first one with count + 1 and a new lastTimestamp', () => {
    const { clock, c, ev } = setup();
    const first = c.correlate(ev('web', 'BackOff', 'Back-off restarting failed container'));
    assert.equal(first.action, 'create');
    clock.advance(10_000);
    const second = c.correlate(ev('web', 'BackOff', 'Back-off restarting failed container'));
    assert.equal(second.action, 'patch');
    if (second.action !== 'patch' || first.action !== 'create') return;
    assert.equal(second.name, first.event.metadata.name);
    assert.deepEqual(second.patch, { count: 2, lastTimestamp: '2026-01-01T00:00:10Z', message: 'Back-off restarting failed container' });
    assert.equal(second.event.firstTimestamp, '2026-01-01T00:00:00Z');
    const third = c.correlate(ev('web', 'BackOff', 'Back-off restarting failed container'));
    assert.equal(third.action === 'patch' && third.patch.count, 3);
  });

  it('a different message, reason or object is a new event', () => {
    const { c, ev } = setup();
    assert.equal(c.correlate(ev('web', 'BackOff', 'a')).action, 'create');
    assert.equal(c.correlate(ev('web', 'BackOff', 'b')).action, 'create');
    assert.equal(c.correlate(ev('web', 'Failed', 'a')).action, 'create');
    assert.equal(c.correlate(ev('api', 'BackOff', 'a')).action, 'create');
  });

  it('the 10th distinct message of one reason within 10 minutes is combined, and later ones count on it', () => {
    const { c, ev } = setup();
    for (let i = 1; i <= 9; i++) assert.equal(c.correlate(ev('web', 'Unhealthy', `probe failed ${i}`)).action, 'create', `message ${i}`);
    const tenth = c.correlate(ev('web', 'Unhealthy', 'probe failed 10'));
    assert.equal(tenth.action, 'create');
    assert.equal(tenth.action === 'create' && tenth.event.message, `${COMBINED_PREFIX}probe failed 10`);
    const eleventh = c.correlate(ev('web', 'Unhealthy', 'probe failed 11'));
    assert.equal(eleventh.action, 'patch');
    assert.equal(eleventh.action === 'patch' && eleventh.patch.message, `${COMBINED_PREFIX}probe failed 11`);
  });

  it('similar messages 10 minutes apart start over', () => {
    const { clock, c, ev } = setup();
    for (let i = 1; i <= 9; i++) c.correlate(ev('web', 'Unhealthy', `m${i}`));
    clock.advance(601_000);
    const r = c.correlate(ev('web', 'Unhealthy', 'm10'));
    assert.equal(r.action === 'create' && r.event.message, 'm10');
  });

  it('spam: past a burst of 25 events about one object they are dropped, until a token comes back 5 minutes later', () => {
    const { clock, c, ev } = setup();
    for (let i = 0; i < SPAM_BURST; i++) assert.notEqual(c.correlate(ev('web', `R${i}`, 'm')).action, 'drop', `event ${i}`);
    assert.equal(c.correlate(ev('web', 'R-more', 'm')).action, 'drop');
    assert.equal(c.correlate(ev('api', 'R-more', 'm')).action, 'create', 'another object has its own bucket');
    clock.advance(300_000);
    assert.equal(c.correlate(ev('web', 'R-later', 'm')).action, 'create');
    assert.equal(c.correlate(ev('web', 'R-later2', 'm')).action, 'drop');
  });

  it('forget: after the patched event went away, the next one is created afresh', () => {
    const { c, ev } = setup();
    c.correlate(ev('web', 'BackOff', 'x'));
    const p = c.correlate(ev('web', 'BackOff', 'x'));
    assert.equal(p.action, 'patch');
    if (p.action === 'patch') c.forget(p.event);
    assert.equal(c.correlate(ev('web', 'BackOff', 'x')).action, 'create');
  });
});
