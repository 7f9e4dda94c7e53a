#!/usr/bin/env node
"use strict";
// The CLI is TypeScript run through tsx, so a fresh clone needs `npm install` and no build step.
require("tsx/cjs/api").register();
require("../src/cli/main.ts");
