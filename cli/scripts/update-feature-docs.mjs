// Regenerates the feature matrix in docs/features.md from the registry (part of `npm run docs`).
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FEATURE_MATRIX_START, FEATURE_MATRIX_STOP, renderFeatureMatrix, replaceBetweenMarkers } from '../dist/lib/docs/feature-matrix.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const registry = JSON.parse(
  execFileSync('nix-instantiate', ['--eval', '--strict', '--json', join(root, 'modules/features/feature-categories.nix')], {
    env: { ...process.env, NIX_CONFIG: 'build-users-group =' },
  }).toString(),
)
const path = join(root, 'docs', 'features.md')
writeFileSync(path, replaceBetweenMarkers(readFileSync(path, 'utf8'), FEATURE_MATRIX_START, FEATURE_MATRIX_STOP, renderFeatureMatrix(registry)))
