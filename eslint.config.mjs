// ESLint: the base JavaScript rules, Next.js's (React, hooks, accessibility, Core Web Vitals) and
// typescript-eslint's recommended rules. Formatting is Prettier's job (eslint-config-prettier turns
// the stylistic rules off); import boundaries are dependency-cruiser's (.dependency-cruiser.cjs).
import js from "@eslint/js";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";
import prettier from "eslint-config-prettier/flat";
import { defineConfig, globalIgnores } from "eslint/config";

export default defineConfig([
  globalIgnores([".next/**", "out/**", "next-env.d.ts", ".data/**", "test-results/**", "playwright-report/**", "bench/.out/**", "drizzle/**"]),
  js.configs.recommended,
  ...nextVitals,
  ...nextTs,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // A leading underscore marks a binding kept on purpose: a destructured field left out of a copy, a callback's unused parameter.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      "@typescript-eslint/no-unused-expressions": "error",
      // The only images are the SVG logo, which next/image would pass through unoptimized anyway.
      "@next/next/no-img-element": "off",
    },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Tests read arbitrary JSON answers and poke at fakes; `any` there is a tool, not a hole.
    files: ["test/**", "e2e/**", "**/*.test.ts", "**/*.test.tsx"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // No React here: Playwright fixtures call their continuation `use`, and the server's `useCase…` names a use case, not a hook.
    files: ["e2e/**", "src/server/**", "src/cli/**"],
    rules: { "react-hooks/rules-of-hooks": "off" },
  },
  prettier,
]);
