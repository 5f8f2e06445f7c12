import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real processes (virsh, nix, shellcheck, QEMU guests) take longer than mocks.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
})
