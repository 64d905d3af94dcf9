import { it } from 'vitest';
import { sparseSoftmax } from '../../src/normalizers/sparse-softmax.js';
it('try', () => {
for (const k of [0, 1.5, -1, NaN, 'a']) { try { console.log(k, sparseSoftmax([1,2,3], { k } as never)); } catch (e) { console.log(k, (e as any).code, (e as Error).message); } }
});
