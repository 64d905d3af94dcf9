/**
 * `softmax-kit plot <normalizers|calibration> … --out file.svg`: the
 * playground's pictures as SVG files, drawn with src/plot/. Thin: it parses the
 * arguments, calls the picture's module and writes the file.
 *
 *   plot normalizers <logits…> [--temperature T] [--alpha α] [--k k] [--s s] [--eps ε] [--gamma γ] [--seed n]
 *   plot calibration <file.csv|file.json> [--probabilities] [--bins 15]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { SoftmaxKitError } from '../tensor/errors.js';
import { InputFileError, parseCsv, parseJson } from './calibrate.js';
import { calibrationPicture } from './plot-calibration.js';
import {
  NORMALIZER_PARAMS,
  type NormalizerParams,
  normalizersPicture,
} from './plot-normalizers.js';

const USAGE = `usage:
  softmax-kit plot normalizers <logits…> [--temperature T] [--alpha α] [--k k] [--s s] [--eps ε] [--gamma γ] [--seed n] --out file.svg
  softmax-kit plot calibration <file.csv|file.json> [--probabilities] [--bins 15] --out file.svg`;

/** Split `--name value` flags (and bare `--probabilities`) from positional arguments. */
function parse(args: readonly string[]) {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--probabilities') flags.set('probabilities', 'true');
    else if (a.startsWith('--')) flags.set(a.slice(2), args[++i] ?? '');
    else positional.push(a);
  }
  return { flags, positional };
}

function normalizersSvg(positional: string[], flags: Map<string, string>): string | string[] {
  const p: NormalizerParams = { ...NORMALIZER_PARAMS };
  for (const [k, v] of flags) {
    if (!Object.hasOwn(NORMALIZER_PARAMS, k))
      return [
        `unknown option '--${k}' (options: --${Object.keys(NORMALIZER_PARAMS).join(', --')}, --out)`,
      ];
    p[k as keyof NormalizerParams] = Number(v);
  }
  const logits = positional.map((a) => (a === '-inf' ? Number.NEGATIVE_INFINITY : Number(a)));
  if (logits.length === 0 || logits.some(Number.isNaN)) return [USAGE];
  if (!(p.temperature > 0 && Number.isFinite(p.temperature)))
    throw new SoftmaxKitError(
      'NON_FINITE_PARAMETER',
      `plot normalizers: expected --temperature to be finite and > 0, got ${p.temperature}`,
    );
  return normalizersPicture(logits, p);
}

function calibrationSvg(positional: string[], flags: Map<string, string>): string | string[] {
  const file = positional[0];
  if (file === undefined || positional.length > 1) return [USAGE];
  for (const k of flags.keys())
    if (k !== 'bins' && k !== 'probabilities')
      return [`unknown option '--${k}' (options: --bins, --probabilities, --out)`];
  const text = readFileSync(file, 'utf8');
  const data =
    extname(file).toLowerCase() === '.json'
      ? parseJson(text, file)
      : parseCsv(text, file, flags.has('probabilities'));
  return calibrationPicture(data, Number(flags.get('bins') ?? 15));
}

/** `softmax-kit plot …`: returns the exit status. */
export function plotCommand(args: readonly string[], print: (line: string) => void): number {
  const [kind, ...rest] = args;
  const { flags, positional } = parse(rest);
  const out = flags.get('out');
  flags.delete('out');
  const draw =
    kind === 'normalizers' ? normalizersSvg : kind === 'calibration' ? calibrationSvg : undefined;
  if (draw === undefined) {
    print(
      `softmax-kit plot: expected 'normalizers' or 'calibration', got ${kind === undefined ? 'nothing' : `'${kind}'`}\n${USAGE}`,
    );
    return 1;
  }
  if (out === undefined || out === '') {
    print(`softmax-kit plot ${kind}: expected --out file.svg\n${USAGE}`);
    return 1;
  }
  try {
    const svg = draw(positional, flags);
    if (Array.isArray(svg)) {
      print(`softmax-kit plot ${kind}: ${svg.join('\n')}`);
      return 1;
    }
    writeFileSync(out, svg);
  } catch (e) {
    const io = (e as { code?: unknown }).code === 'ENOENT';
    if (!(e instanceof SoftmaxKitError || e instanceof InputFileError || io)) throw e;
    const code = e instanceof SoftmaxKitError ? ` (${e.code})` : '';
    print(`softmax-kit plot ${kind}: ${(e as Error).message}${code}`);
    return 2;
  }
  print(`wrote ${out}`);
  return 0;
}
