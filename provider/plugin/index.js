// The plugin's entry: @pulumi/pulumi/cmd/run-plugin runs the function this exports (see host.ts).
module.exports = require("../../dist/provider/plugin/host").serve;
