/**
 * Two tsc runs: ESM (dist/esm, also the browser build: no Node API, relative
 * imports carry .js so a browser loads it as native modules) and CommonJS
 * (dist/cjs). Each folder gets a package.json naming its module type, so Node
 * reads the .js files in each the right way.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dist = join(__dirname, 'dist');
const tsc = require.resolve('typescript/bin/tsc');
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(__dirname, 'tsconfig.json')], { stdio: 'inherit' });
execFileSync(process.execPath, [tsc, '-p', join(__dirname, 'tsconfig.cjs.json')], { stdio: 'inherit' });
writeFileSync(join(dist, 'esm', 'package.json'), '{ "type": "module" }\n');
writeFileSync(join(dist, 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
