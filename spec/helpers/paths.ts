import { join } from 'node:path';

/** The repository's root, wherever the spec that imports this lives under spec/. */
export const ROOT = join(__dirname, '..', '..');
