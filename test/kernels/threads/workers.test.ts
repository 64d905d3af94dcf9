// Starting the workers (startNode, startWeb) is tested through test/kernels/threads/pool.test.ts
// (Node) and test/browser/ (Web Workers); here, the wait both sides use.
import { describe, expect, it } from 'vitest';
import { waitWhile, webWorkers, workerThreads } from '../../../src/kernels/threads/workers.js';

describe('the pool workers', () => {
  it('waitWhile returns at once when the slot already differs, after the timeout when it does not', () => {
    const ctrl = new Int32Array(new SharedArrayBuffer(8));
    ctrl[0] = 1;
    let t0 = performance.now();
    waitWhile(ctrl, 0, 0, 5000);
    expect(performance.now() - t0).toBeLessThan(1000);
    t0 = performance.now();
    waitWhile(ctrl, 1, 0, 30);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
  });

  it("Node's worker_threads are found; Web Workers are looked for only where they are absent", () => {
    expect(workerThreads()).toBeTypeOf('function');
    expect(webWorkers()).toBeUndefined();
  });
});
