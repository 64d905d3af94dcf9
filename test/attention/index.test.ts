import { describe, expect, it } from 'vitest';
import * as entry from '../../src/attention/index.js';

// The subpath entry 'softmax-kit/attention' re-exports; its functions are tested in their own files.

describe('softmax-kit/attention', () => {
  it('exports the attention functions of SPEC.md', () => {
    for (const name of ['attention', 'attentionVjp', 'linearAttention', 'linearAttentionVjp'])
      expect(typeof (entry as Record<string, unknown>)[name], name).toBe('function');
  });
});
