// The CLI bundle's yaml package from its ES module build (docs/performance.md, "A third pass").
//
// yaml's package.json sends Node to its CommonJS build (dist/, 72 modules) and everything else to its
// ES module build (browser/dist/): the same code, compiled from the same source. Bundled from the
// CommonJS build, every module is a function that runs on first require() and copies its exports
// into an object; bundled from the ES module build, esbuild hoists the modules into one scope, which
// costs less to compile and run at every start of the CLI.
//
// The two builds differ in four modules only, the ones that use Node's `process` or `buffer` (the
// only other modules the CommonJS build requires). This plugin puts Node's behaviour back into the ES
// module build's copies, so the bundled code does what the CommonJS build does under Node:
// - log.js: a warning (e.g. toJS() of a map with a collection key) goes to process.emitWarning;
// - compose/composer.js, parse/parser.js: the LOG_STREAM and LOG_TOKENS debugging switches;
// - schema/yaml-1.1/binary.js: a !!binary scalar is a Buffer, written back from a Buffer.
// Each patch names the exact text it replaces: a yaml release that changes it fails the build
// rather than bundle a different behaviour (test/unit/build/esbuild-yaml.test.ts).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, sep } from "node:path";

/** node_modules/yaml, as Node resolves it from here. */
const YAML_DIR = dirname(createRequire(import.meta.url).resolve("yaml/package.json"));
const ESM_DIR = join(YAML_DIR, "browser", "dist");

/** [module under browser/dist, [text of the ES module build, Node's behaviour in its place]...]. */
export const YAML_NODE_PATCHES = [
  [
    "log.js",
    [
      [
        "        console.warn(warning);\n",
        "        if (typeof process.emitWarning === 'function')\n            process.emitWarning(warning);\n        else\n            console.warn(warning);\n",
      ],
    ],
  ],
  [
    "compose/composer.js",
    [
      [
        "    *next(token) {\n",
        "    *next(token) {\n        if (process.env.LOG_STREAM)\n            console.dir(token, { depth: null });\n",
      ],
    ],
  ],
  [
    "parse/parser.js",
    [
      ["import { tokenType } from './cst.js';\n", "import { prettyToken, tokenType } from './cst.js';\n"],
      [
        "    *next(source) {\n        this.source = source;\n",
        "    *next(source) {\n        this.source = source;\n        if (process.env.LOG_TOKENS)\n            console.log('|', prettyToken(source));\n",
      ],
    ],
  ],
  [
    "schema/yaml-1.1/binary.js",
    [
      [
        "import { Scalar } from '../../nodes/Scalar.js';\n",
        "import { Buffer } from 'node:buffer';\nimport { Scalar } from '../../nodes/Scalar.js';\n",
      ],
      [
        "        if (typeof atob === 'function') {\n",
        "        if (typeof Buffer === 'function') {\n            return Buffer.from(src, 'base64');\n        }\n        else if (typeof atob === 'function') {\n",
      ],
      [
        "        if (typeof btoa === 'function') {\n",
        "        if (typeof Buffer === 'function') {\n            str =\n                buf instanceof Buffer\n                    ? buf.toString('base64')\n                    : Buffer.from(buf.buffer).toString('base64');\n        }\n        else if (typeof btoa === 'function') {\n",
      ],
    ],
  ],
];

/** `source` (the module `name` of the ES module build) with Node's behaviour put back. */
export function patchYamlModule(name, source) {
  const patches = YAML_NODE_PATCHES.find(([n]) => n === name)?.[1] ?? [];
  let out = source;
  for (const [from, to] of patches) {
    if (out.split(from).length !== 2)
      throw new Error(`esbuild-yaml: yaml's ${name} no longer holds the text it patches`);
    out = out.replace(from, () => to);
  }
  return out;
}

/** @type {import("esbuild").Plugin} */
export const yamlEsm = {
  name: "cordon-yaml-esm",
  setup(build) {
    // The package's ES module build in place of its Node (CommonJS) entry point.
    build.onResolve({ filter: /^yaml$/ }, () => ({ path: join(ESM_DIR, "index.js") }));
    build.onLoad({ filter: /[\\/]yaml[\\/]browser[\\/]dist[\\/].*\.js$/ }, (args) => {
      if (!args.path.startsWith(ESM_DIR + sep)) return undefined;
      const name = args.path
        .slice(ESM_DIR.length + 1)
        .split(sep)
        .join("/");
      return {
        contents: patchYamlModule(name, readFileSync(args.path, "utf8")),
        loader: "js",
        resolveDir: dirname(args.path),
      };
    });
  },
};
