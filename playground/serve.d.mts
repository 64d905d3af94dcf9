import type { Server } from 'node:http';

/** The headers of cross-origin isolation. */
export const ISOLATION: Record<string, string>;
/** Serve the files of `root` on 127.0.0.1:`port` (0: any free port). */
export function servePlayground(
  root: string,
  port?: number,
): Promise<{ server: Server; url: string }>;
