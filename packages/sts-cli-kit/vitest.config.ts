// Test settings for sts-cli-kit: the tests spawn real processes on a shared 2-core box, so a test
// gets 30 s instead of vitest's default 5 s.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { testTimeout: 30_000 } });
