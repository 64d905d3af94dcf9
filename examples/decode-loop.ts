/**
 * A decode loop over a stream of logits with a stateful sampler: each step the
 * "model" (here a fixed table over a 12-word vocabulary, standing in for a
 * transformers.js or onnxruntime forward pass) yields one row of logits, the
 * sampler applies the chain — repetition penalty and DRY over the history it has
 * accepted, top-k, top-p, temperature — draws a token, and reports its
 * log-probability and the runner-up tokens. Run it: `npx tsx examples/decode-loop.ts`.
 */
import { createSampler } from '../src/index.js';

const WORDS = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'dog', 'ran', 'to', 'it', '.'];

/** The stand-in model: logits of the next word given the previous one (a smooth pseudo-random table). */
function* logitStream(sampled: () => number): Generator<Float32Array> {
  for (;;) {
    const prev = sampled();
    yield Float32Array.from(
      WORDS,
      (_, j) => 3 * Math.sin(prev * 7.3 + j * 2.1) + (j === 0 ? 1 : 0),
    );
  }
}

export function decodeLoop(steps = 16) {
  const sampler = createSampler({
    seed: 42,
    penalties: { repetition: 1.3, window: 16 },
    dry: { multiplier: 0.8, allowedLength: 2 },
    topK: 6,
    topP: 0.9,
    temperature: 0.7,
    topLogprobs: 2,
  });
  let last = 0;
  const stream = logitStream(() => last);
  const lines: string[] = [];
  const tokens: number[] = [];
  const logprobs: number[] = [];
  for (let step = 0; step < steps; step++) {
    const logits = stream.next().value as Float32Array;
    const r = sampler.sample(logits);
    const t = r.tokens[0]!;
    sampler.accept(t);
    last = t;
    tokens.push(t);
    logprobs.push(r.logprobs[0]!);
    const alt = Array.from(r.topLogprobs!.tokens, (a, i) =>
      a < 0 ? '' : `${WORDS[a]} ${r.topLogprobs!.logprobs[i]!.toFixed(2)}`,
    ).join(', ');
    lines.push(
      `${String(step).padStart(2)}  ${WORDS[t]!.padEnd(4)} logprob ${logprobs[step]!.toFixed(3)}  (top: ${alt})`,
    );
  }
  return { lines, text: tokens.map((t) => WORDS[t]).join(' '), tokens, logprobs };
}

if (import.meta.url === `file://${process.argv[1]}`)
  for (const line of decodeLoop().lines) console.log(line);
