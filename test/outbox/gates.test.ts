import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createGates, Gate } from '../../src/outbox/gates.js';

describe('outbox gates: jobs in flight', () => {
  it('cap a webhook target at its concurrency; Slack gates only by their own limits', () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const gates = createGates(clock, { postIntervalMs: 0, targetConcurrency: 2, updateBurst: 10 });
    const target = Gate.webhook('https://agent.example/hook');
    for (let i = 0; i < 2; i++) {
      gates.enter(target);
      gates.enter(Gate.update);
      gates.enter(Gate.post('C1'));
    }
    // The target is full: closed until one of its deliveries finishes.
    expect(gates.full(target)).toBe(true);
    expect(gates.waitFor(target)).toBeGreaterThan(0);
    // Two updates in flight hold two of the bucket's ten tokens: the third may start now.
    expect(gates.full(Gate.update)).toBe(false);
    expect(gates.waitFor(Gate.update)).toBe(0);
    expect(gates.full(Gate.post('C1'))).toBe(false);
    expect(gates.closed()).toEqual({ gates: [], full: [target], nextOpenAt: undefined });

    gates.leave(target);
    expect(gates.full(target)).toBe(false);
    expect(gates.waitFor(target)).toBe(0);
    // Eight more updates in flight: the bucket's ten tokens are spoken for, and the gate opens as it refills.
    for (let i = 0; i < 8; i++) gates.enter(Gate.update);
    expect(gates.full(Gate.update)).toBe(false);
    expect(gates.waitFor(Gate.update)).toBe(1200);
  });
});
