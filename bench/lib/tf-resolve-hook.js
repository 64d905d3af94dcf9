/**
 * Module resolution hook for tfjs-core's ESM dist, whose relative imports have no
 * file extension (they are written for bundlers). Used only to load
 * `dist/register_all_gradients.js`, which the tfjs-core Node bundle leaves out;
 * the gradients register into tfjs-core's global registry.
 */
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('.') && context.parentURL?.includes('/@tensorflow/tfjs-core/dist/')) {
    for (const suffix of ['', '.js', '/index.js']) {
      try {
        return await next(specifier + suffix, context);
      } catch {
        // try the next suffix
      }
    }
  }
  return next(specifier, context);
}
