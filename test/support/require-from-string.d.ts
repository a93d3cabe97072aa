declare module "require-from-string" {
  function requireFromString(code: string, filename?: string): { handler(): unknown };
  export = requireFromString;
}
