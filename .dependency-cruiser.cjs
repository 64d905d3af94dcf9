/**
 * The house rules of ARCHITECTURE.md, checked by `npm test` (dependency-cruiser):
 * no import cycles, and each floor imports only from the floors below it.
 *   floor 1  src/tensor/, src/random/, src/plot/   (plot knows nothing of the library)
 *   floor 2  src/kernels/
 *   floor 3  src/normalizers/
 *   floor 4  src/losses/, src/attention/, src/gating/, src/sampling/, src/calibration/
 *   floor 5  src/index.ts, src/cli/
 */
const FLOOR4 = '^src/(losses|attention|gating|sampling|calibration)/';
const ABOVE = {
  1: '^src/(kernels|normalizers|losses|attention|gating|sampling|calibration|cli)/|^src/index[.]ts$',
  2: '^src/(normalizers|losses|attention|gating|sampling|calibration|cli)/|^src/index[.]ts$',
  3: `${FLOOR4}|^src/cli/|^src/index[.]ts$`,
  4: '^src/cli/|^src/index[.]ts$',
};
const floorRule = (name, from, above) => ({
  name,
  severity: 'error',
  comment: 'A floor imports only from the floors below it (ARCHITECTURE.md).',
  from: { path: from },
  to: { path: above },
});
/** A floor-4 room imports no other floor-4 room (they share what they need from below). */
const rooms = ['losses', 'attention', 'gating', 'sampling', 'calibration'].map((room) => ({
  name: `room-${room}`,
  severity: 'error',
  comment: 'Floor-4 rooms do not import each other; shared code goes down a floor.',
  from: { path: `^src/${room}/` },
  to: { path: FLOOR4, pathNot: `^src/${room}/` },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    floorRule('floor-1', '^src/(tensor|random)/', ABOVE[1]),
    {
      name: 'plot-knows-nothing',
      severity: 'error',
      comment: 'src/plot/ draws numbers; it imports nothing else from src/.',
      from: { path: '^src/plot/' },
      to: { path: '^src/', pathNot: '^src/plot/' },
    },
    {
      name: 'tensor-below-random',
      severity: 'error',
      comment: 'src/random/ uses src/tensor/, never the other way round.',
      from: { path: '^src/tensor/' },
      to: { path: '^src/random/' },
    },
    floorRule('floor-2', '^src/kernels/', ABOVE[2]),
    floorRule('floor-3', '^src/normalizers/', ABOVE[3]),
    floorRule('floor-4', FLOOR4, ABOVE[4]),
    ...rooms,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
