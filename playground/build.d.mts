/** Build the site into `outDir` (default playground/dist/); resolves to the folder. */
export function buildPlayground(outDir?: string): Promise<string>;
