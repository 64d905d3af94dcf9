/**
 * The command line of `softmax-kit <normalizer> <numbers…> [--option value …]`,
 * read strictly: every number must parse (`-inf`, `inf` and `nan` spelled out), every
 * `--flag` must be one the normalizer takes (an unknown one names the nearest,
 * "did you mean '--temperature'?"), and `--shape 3` is a shape of one dimension as
 * `--shape 3,4` is one of two. A bad argument throws a SoftmaxKitError naming it.
 */
import { SoftmaxKitError } from '../tensor/errors.js';
import { nearestName, type Rules } from '../tensor/options.js';

/** What a command line asks for: the numbers and the options object. */
export interface ParsedArgs {
  readonly values: number[];
  readonly options: Record<string, unknown>;
}

/** Options read as lists of numbers even with one element. */
const LIST_OPTIONS = new Set(['shape']);

const WORDS: Readonly<Record<string, number>> = {
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
  nan: Number.NaN,
};

/** A number as typed: decimal, exponent, hex…, or inf/-inf/nan; anything else is undefined. */
function readNumber(text: string): number | undefined {
  const word = WORDS[text.toLowerCase()];
  if (word !== undefined) return word;
  const n = text.trim() === '' ? Number.NaN : Number(text);
  return Number.isNaN(n) ? undefined : n;
}

function badNumber(command: string, what: string, text: string): SoftmaxKitError {
  return new SoftmaxKitError(
    'INVALID_INPUT',
    `${command}: expected ${what} to be a number, got ${JSON.stringify(text)}`,
  );
}

/** An option's value: true/false, a comma list of numbers, a number, else the string. */
function readOption(command: string, name: string, text: string): unknown {
  if (text === 'true' || text === 'false') return text === 'true';
  if (LIST_OPTIONS.has(name) || text.includes(',')) {
    const parts = text.split(',');
    return parts.map((p, i) => readNumber(p) ?? badNumber(command, `--${name}[${i}]`, p));
  }
  return readNumber(text) ?? text;
}

/**
 * Read the arguments after the command. `rules` are the normalizer's option rules
 * (the flags it takes); without them every flag is passed on for the library to check.
 */
export function parseArgs(
  command: string,
  args: readonly string[],
  rules: Rules | undefined,
): ParsedArgs {
  const values: number[] = [];
  const options: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) {
      const v = readNumber(a);
      if (v === undefined) throw badNumber(command, `argument ${values.length + 1}`, a);
      values.push(v);
      continue;
    }
    const name = a.slice(2);
    if (rules !== undefined && !Object.hasOwn(rules, name)) {
      const near = nearestName(name, Object.keys(rules));
      throw new SoftmaxKitError(
        'INVALID_PARAMETER',
        `${command}: unknown flag '${a}' (${
          near === undefined
            ? `expected one of ${Object.keys(rules)
                .map((k) => `--${k}`)
                .join(', ')}`
            : `did you mean '--${near}'?`
        })`,
      );
    }
    const text = args[++i];
    if (text === undefined)
      throw new SoftmaxKitError(
        'INVALID_PARAMETER',
        `${command}: expected a value after '${a}', got none`,
      );
    const value = readOption(command, name, text);
    if (Array.isArray(value)) {
      const bad = value.find((v) => v instanceof SoftmaxKitError);
      if (bad !== undefined) throw bad;
    }
    options[name] = value;
  }
  return { values, options };
}
