import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: [
      ".next/**",
      "node_modules/**",
      "src/generated/**",
      "agent/dist/**",
      "packages/*/dist/**",
      "dist/**",
      ".data/**",
      "src/server/dev/chain/artifacts.ts",
      "next-env.d.ts",
      "playwright-report/**",
      "test-results/**",
    ],
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The dev fence: production code reaches src/server/dev only through dev/load.ts's import()s
    // (type-only imports are erased, so they may cross).
    files: ["src/**/*.ts", "src/**/*.tsx"],
    ignores: ["src/server/dev/**", "src/test/**", "src/**/*.test.ts", "src/**/*.test.tsx"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "(^|/)dev/(?!load$)",
              allowTypeImports: true,
              message: "Production code loads server/dev only through dev/load.ts (CHAIN=local, embedded default).",
            },
          ],
        },
      ],
    },
  },
];

export default config;
