// Type errors are caught by `npm run typecheck` before mocha runs, so ts-node only transpiles here.
process.env.TS_NODE_TRANSPILE_ONLY = "true";

module.exports = {
  require: ["ts-node/register"],
  extension: ["ts"],
  spec: process.env.MOCHA_SPEC ? process.env.MOCHA_SPEC.split(",") : ["test/unit/**/*.test.ts"],
  timeout: 60000,
};
