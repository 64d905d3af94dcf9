/**
 * The `softmax-kit` command: parse, call the library, print.
 *   softmax-kit demo
 *   softmax-kit <normalizer> <x1> <x2> … [--shape 2,3] [--axis 0] [--temperature 0.5] [--alpha 1.5] …
 */
import { normalizers } from '../normalizers/registry.js';
import { SoftmaxKitError } from '../tensor/errors.js';
import { parseArgs } from './args.js';
import { calibrateCommand, InputFileError } from './calibrate.js';
import { demoLines } from './demo.js';
import { plotCommand } from './plot.js';

const USAGE = `usage:
  softmax-kit demo                          every normalizer side by side
  softmax-kit <normalizer> <numbers…> [--option value …]
  softmax-kit calibrate <file.csv|file.json|logits.npy --labels labels.npy>
                      [--probabilities] [--bins 15] [--out prefix]
                                            temperature scaling, ECE/NLL/Brier, reliability diagrams
  softmax-kit plot <normalizers <numbers…> | calibration <file>> [--option value …] --out file.svg
normalizers: ${Object.keys(normalizers).join(', ')}
example: softmax-kit softmax 1 2 3 --temperature 0.5`;

export function run(argv: readonly string[], print: (line: string) => void): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help') {
    print(USAGE);
    return command === undefined ? 1 : 0;
  }
  if (command === 'demo') {
    for (const line of demoLines()) print(line);
    return 0;
  }
  if (command === 'calibrate') {
    try {
      return calibrateCommand(rest, print, (text) => process.stderr.write(text));
    } catch (e) {
      const io = (e as { code?: unknown }).code === 'ENOENT';
      if (!(e instanceof InputFileError || e instanceof SoftmaxKitError || io)) throw e;
      print(`softmax-kit calibrate: ${(e as Error).message}`);
      return 2;
    }
  }
  if (command === 'plot') return plotCommand(rest, print);
  const entry = (normalizers as Record<string, (typeof normalizers)[keyof typeof normalizers]>)[
    command
  ];
  if (entry === undefined) {
    print(`softmax-kit: unknown command '${command}'\n${USAGE}`);
    return 1;
  }
  try {
    // a bad number or flag is the user's input error: status 2, as the library's errors
    const { values, options } = parseArgs(command, rest, entry.rules);
    const y = (entry.forward as (x: number[], o: object) => ArrayLike<number>)(values, options);
    print(Array.from(y, (v) => String(v)).join(' '));
    return 0;
  } catch (e) {
    if (!(e instanceof SoftmaxKitError)) throw e;
    print(`softmax-kit: ${e.message} (${e.code})`);
    return 2;
  }
}
