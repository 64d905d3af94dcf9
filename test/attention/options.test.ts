import { describe, expect, it } from 'vitest';
import { ATTENTION_RULES, ATTENTION_SIZE_RULES } from '../../src/attention/options.js';
import { resolveOptions } from '../../src/tensor/options.js';

// The rules are applied by problem.ts (test/attention/problem.test.ts tests the resolved call).

describe('attention option rules', () => {
  it('an unknown option is an error naming the nearest valid one; dim is required', () => {
    expect(() => resolveOptions('attention', { dim: 2, casual: true }, ATTENTION_RULES)).toThrow(
      /causal/,
    );
    expect(() => resolveOptions('linearAttention', {}, ATTENTION_SIZE_RULES)).toThrow(/dim/);
    expect(resolveOptions('attention', { dim: 2 }, ATTENTION_RULES).causal).toBe(false);
  });
});
