// The esbuild plugins both bundles use (scripts/build.mjs, scripts/build-action.mjs) to make the AWS
// SDK cheaper to load and to run (docs/performance.md, "A third pass"). Neither changes what the SDK
// does: test/unit/build/esbuild-sdk.test.ts and test/unit/aws/xml-parser.test.ts hold them to that.
//
// 1. sdkSchemaKeys lets esbuild drop the parts of an AWS SDK client's schema module that Cordon never
//    uses.
// Every client since the SDK's schema-based serialisation describes all its operations' shapes in
// dist-es/schemas/schemas_0.js: `export var DescribeVpcsResult$ = [3, n0, _DVR, 0, [...], [[0, { [_eQN]:
// "NextToken", [_xN]: _nTe }], ...]]`. A shape nobody imports is dead code, but esbuild keeps it: an
// object key computed from an identifier (`[_xN]`) might call a toString() with side effects, as far as
// esbuild knows. Those identifiers are the module's own top-level `const _xN = "xmlName";` strings, so
// the plugin writes the string in their place (`["xmlName"]`), which esbuild knows to be pure. The
// value is the same; only the shapes reachable from the commands Cordon sends stay in the bundle:
// client-ec2's chunk goes from 559 kB to 29 kB, and compiling it was most of the time before the first
// AWS request.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const SCHEMA_MODULE = /@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;

/** `source` with every computed key `[name]:` whose name is a top-level string const replaced by that string. */
export function inlineSchemaKeys(source) {
  const strings = new Map();
  for (const m of source.matchAll(/^const (\w+) = ("[^"\\\n]*");$/gm)) strings.set(m[1], m[2]);
  return source.replace(/\[(\w+)\]:/g, (key, name) => {
    const value = strings.get(name);
    return value === undefined ? key : `[${value}]:`;
  });
}

/** @type {import("esbuild").Plugin} */
export const sdkSchemaKeys = {
  name: "cordon-sdk-schema-keys",
  setup(build) {
    build.onLoad({ filter: SCHEMA_MODULE }, (args) => ({
      contents: inlineSchemaKeys(readFileSync(args.path, "utf8")),
      loader: "js",
    }));
  },
};

// 2. sdkXmlParser: the SDK's XML parser (@aws-sdk/xml-builder's xml-parser module) is replaced by
//    src/aws/xml-parser.ts, the same function written to be fast (that file says why and what it keeps
//    equal). Only this module of the package is replaced; XmlNode and XmlText (the request side) stay.
const XML_PARSER_MODULE = /@aws-sdk[\\/]xml-builder[\\/]dist-es[\\/]xml-parser\.js$/;
const OURS = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "aws", "xml-parser.ts");

/** @type {import("esbuild").Plugin} */
export const sdkXmlParser = {
  name: "cordon-sdk-xml-parser",
  setup(build) {
    build.onLoad({ filter: XML_PARSER_MODULE }, () => ({
      contents: `export { parseXML } from ${JSON.stringify(OURS)};`,
      loader: "js",
    }));
  },
};

/** Both, in the order the bundles take them. */
export const sdkPlugins = [sdkSchemaKeys, sdkXmlParser];
