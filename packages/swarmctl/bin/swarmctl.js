#!/usr/bin/env node
// No build step: tsx compiles src/*.ts as it loads them (the same way `npm start` runs the sandbox).
require('tsx/cjs/api').register();
require('../src/main.ts').main();
