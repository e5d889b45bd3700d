// The bundles' AWS SDK plugins (scripts/esbuild-sdk.mjs, docs/performance.md "A third pass"): the
// schema modules lose only what no command reaches, and the SDK's XML parser is ours.
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a build script (plain ESM), no types
import { inlineSchemaKeys, sdkPlugins } from "../../../scripts/esbuild-sdk.mjs";

/** The EC2 adapter bundled alone, minified, with or without the plugins: its code. */
async function ec2Bundle(plugins: unknown[]): Promise<string> {
  const r = await build({
    entryPoints: ["src/aws/adapters/ec2.ts"],
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node20",
    mainFields: ["module", "main"],
    minify: true,
    logLevel: "silent",
    plugins: plugins as never,
  });
  return r.outputFiles[0]?.text ?? "";
}

describe("the SDK plugins of the bundles", () => {
  it("writes a computed key's string in its place only when it is a top-level string const of the module", () => {
    const source = [
      'const _xN = "xmlName";',
      'const _eQN = "ec2QueryName";',
      "let _other = f();",
      "export var A$ = [3, n0, _A, 0, [_x], [[0, { [_eQN]: `NextToken`, [_xN]: _nTe }]]];",
      "export var B$ = { [_other]: 1, [_xN]:2 };",
    ].join("\n");
    const out = inlineSchemaKeys(source);
    expect(out).toContain('{ ["ec2QueryName"]: `NextToken`, ["xmlName"]: _nTe }');
    expect(out).toContain('{ [_other]: 1, ["xmlName"]:2 }');
    // Everything else is untouched.
    expect(out.replaceAll('["ec2QueryName"]', "[_eQN]").replaceAll('["xmlName"]', "[_xN]")).toBe(source);
  });

  it("leave the EC2 client's unused shapes out and put Cordon's XML parser in the SDK's place", async () => {
    const [without, withPlugins] = await Promise.all([ec2Bundle([]), ec2Bundle(sdkPlugins)]);
    // The shapes of the operations Cordon does not send are gone (of ~550 kB, most).
    expect(without.length).toBeGreaterThan(500_000);
    expect(withPlugins.length).toBeLessThan(without.length - 400_000);
    expect(withPlugins).toContain("DescribeFlowLogs");
    expect(withPlugins).not.toContain("DescribeInstanceStatus");
    // The SDK's parser matches the DOCTYPE in capitals over a lowered copy of the whole answer;
    // src/aws/xml-parser.ts compares nine lowered characters with "<!doctype".
    expect(without).toContain('"<!DOCTYPE"');
    expect(withPlugins).not.toContain('"<!DOCTYPE"');
    expect(withPlugins).toContain('"<!doctype"');
  }, 60_000);
});
