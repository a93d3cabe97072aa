// Lint rules: typescript-eslint's recommended set over the TypeScript, the plain JavaScript language
// host, and nothing built or installed.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const node = {
  require: "readonly",
  module: "writable",
  process: "readonly",
  console: "readonly",
  Buffer: "readonly",
  setTimeout: "readonly",
  setInterval: "readonly",
  __dirname: "readonly",
};

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", ".pulumi-test/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      // `import x = require(...)` is how a module that is `export =` (the serialized provider) is imported.
      "@typescript-eslint/no-require-imports": ["error", { allowAsImport: true }],
      // The resource's outputs are an interface merged into its class: declared once, in the schema.
      "@typescript-eslint/no-empty-object-type": ["error", { allowInterfaces: "with-single-extends" }],
    },
  },
  {
    files: ["**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: node },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
