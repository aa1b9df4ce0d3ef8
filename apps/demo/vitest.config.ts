// The demo test runs the whole demo as a process: two real RSA-4096 generations and ~15 CLI starts.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { testTimeout: 240_000, hookTimeout: 60_000 } });
