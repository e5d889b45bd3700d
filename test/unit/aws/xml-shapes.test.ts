// src/aws/xml-shapes.ts reads EC2 answers in one pass into the SDK's output shapes, and leaves what it
// does not read to the SDK. Held here to the SDK's own read: for the output schema of every EC2 call
// Cordon makes (and a few larger ones), random answers built from the schema must give the same output
// (values, Dates, key order) and take the fast path; the same answers damaged at random (attributes,
// comments, CDATA, repeated members, text beside elements, unknown and "#text" elements, truncation,
// mismatched tags) must give the same output or the same error.
import * as ec2 from "@aws-sdk/client-ec2";
import { NormalizedSchema } from "@smithy/core/schema";
import { describe, expect, it } from "vitest";
import { fastXmlStats, installFastXmlReads } from "../../../src/aws/xml-shapes.js";

type Schema = NormalizedSchema;
interface Deserializer {
  read(schema: unknown, bytes: Uint8Array, key?: string): Promise<unknown> | unknown;
}

/** An EC2 client's XML deserializer, ready to read (its serde context set as a call would). */
function deserializer(fast: boolean): Deserializer {
  const client = new ec2.EC2Client({ region: "eu-west-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });
  const protocol = (
    client.config as unknown as { protocol: { setSerdeContext(c: unknown): void; deserializer: Deserializer } }
  ).protocol;
  protocol.setSerdeContext(client.config);
  if (fast) expect(installFastXmlReads(client)).toBe(true);
  return protocol.deserializer;
}

const CORDON_CALLS = [
  "DescribeVpcs",
  "DescribeSubnets",
  "DescribeFlowLogs",
  "CreateFlowLogs",
  "DeleteFlowLogs",
  "CreateTags",
  "DeleteTags",
  "DescribeNetworkAcls",
  "CreateNetworkAclEntry",
  "ReplaceNetworkAclEntry",
  "DeleteNetworkAclEntry",
];
// Larger shapes: deep nesting, more scalar kinds, and shapes the fast path leaves to the SDK.
const MORE_CALLS = [
  "DescribeInstances",
  "DescribeSecurityGroups",
  "DescribeRouteTables",
  "DescribeLaunchTemplateVersions",
];

const outputOf = (operation: string): Schema => {
  const op = (ec2 as unknown as Record<string, unknown[]>)[`${operation}$`];
  if (op === undefined) throw new Error(`no schema for ${operation}`);
  return NormalizedSchema.of(op[5] as never);
};

function prng(seed: number) {
  let s = seed;
  const random = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  return { random, pick: <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T };
}

const STRINGS = [
  "vpc-0123456789abcdef0",
  "",
  "a &amp; b",
  "&lt;tag&gt;",
  "caf\u00e9 \u2603",
  "  padded  ",
  "\n  ",
  "x\ny",
  "&#65;&#x42;",
];

/** The element name the SDK reads a member by (XmlShapeDeserializer.readSchema). */
const keyOf = (name: string, member: Schema): string => {
  const traits = member.getMergedTraits() as Record<string, unknown>;
  return traits.httpPayload
    ? ((traits.xmlName as string | undefined) ?? member.getName() ?? name)
    : (((member.getMemberTraits() as Record<string, unknown>).xmlName as string | undefined) ?? name);
};

/** A random EC2-style answer for `schema`: members in any order, lists of `<item>`s, some pretty-printing. */
function answer(root: string, schema: Schema, seed: number): string {
  const { random, pick } = prng(seed);
  const indent = random() < 0.5;
  const nl = (depth: number) => (indent ? `\n${"  ".repeat(depth)}` : "");
  const scalar = (s: Schema): string => {
    if (s.isBooleanSchema()) return pick(["true", "false"]);
    if (s.isTimestampSchema())
      return pick(["2026-12-06T11:18:36.085Z", "2026-01-01T00:00:00Z", "2025-06-30T23:59:59.5+02:00"]);
    if (s.isBigIntegerSchema()) return pick(["0", "12345678901234567890"]);
    if (s.isNumericSchema()) return pick(["0", "42", "-7", "3.5", "600"]);
    if (s.isBlobSchema()) return pick(["", "aGVsbG8="]);
    return pick(STRINGS);
  };
  const value = (s: Schema, tag: string, depth: number): string => {
    if (s.isStructSchema() && !s.isUnionSchema()) {
      if (depth > 6) return `<${tag}/>`;
      const members = [...s.structIterator()].filter(() => random() < 0.75);
      if (random() < 0.3) members.reverse();
      if (members.length === 0) return random() < 0.5 ? `<${tag}/>` : `<${tag}></${tag}>`;
      return `<${tag}>${members.map(([n, m]) => nl(depth + 1) + value(m, keyOf(n, m), depth + 1)).join("")}${nl(depth)}</${tag}>`;
    }
    if (s.isListSchema()) {
      const item = s.getValueSchema();
      const itemKey = ((item.getMergedTraits() as Record<string, unknown>).xmlName as string | undefined) ?? "member";
      const n = depth > 6 ? 0 : Math.floor(random() * 4);
      if (n === 0 && random() < 0.5) return `<${tag}/>`;
      const items = Array.from({ length: n }, () => nl(depth + 1) + value(item, itemKey, depth + 1));
      return `<${tag}>${items.join("")}${nl(depth)}</${tag}>`;
    }
    if (s.isMapSchema() || s.isDocumentSchema() || s.isUnionSchema())
      return `<${tag}><entry><key>k</key><value>v</value></entry></${tag}>`;
    const text = scalar(s);
    return text === "" && random() < 0.5 ? `<${tag}/>` : `<${tag}>${text}</${tag}>`;
  };
  const body = value(schema, root, 0).replace(`<${root}`, `<${root} xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"`);
  return `${random() < 0.7 ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ""}${body}`;
}

/** `xml` with one random piece of damage the fast path must leave to the SDK (or read alike). */
function damage(xml: string, seed: number): string {
  const { random, pick } = prng(seed);
  const tags = [...xml.matchAll(/<([A-Za-z][\w]*)>/g)];
  if (tags.length === 0) return `${xml}<`;
  const t = pick(tags);
  const at = (t.index ?? 0) + t[0].length;
  const name = t[1] as string;
  switch (Math.floor(random() * 12)) {
    case 0:
      return `${xml.slice(0, at - 1)} a="1">${xml.slice(at)}`; // an attribute
    case 1:
      return `${xml.slice(0, at)}<!-- c -->${xml.slice(at)}`; // a comment
    case 2:
      return `${xml.slice(0, at)}<![CDATA[x]]>${xml.slice(at)}`; // CDATA
    case 3:
      return `${xml.slice(0, t.index)}${t[0]}x</${name}>${xml.slice(t.index)}`; // the element twice
    case 4:
      return `${xml.slice(0, at)}text${xml.slice(at)}`; // text beside elements
    case 5:
      return `${xml.slice(0, at)}<unknownThing><deeper>1</deeper></unknownThing>${xml.slice(at)}`; // an unknown element
    case 6:
      return `${xml.slice(0, at)}<#text>t</#text>${xml.slice(at)}`;
    case 7:
      return xml.slice(0, Math.floor(random() * xml.length)); // truncated
    case 8:
      return xml.replace(`</${name}>`, `</${name}x>`); // mismatched
    case 9:
      return `${xml.slice(0, at)}<unknown a="&amp;">&#10;</unknown>${xml.slice(at)}`; // unknown, with an attribute
    case 10:
      return `${xml.slice(0, at)} &#10; ${xml.slice(at)}`; // whitespace without a raw newline
    default:
      return `${xml.slice(0, at)}\r\n   ${xml.slice(at)}`; // CR LF whitespace
  }
}

type Outcome = { ok: true; value: unknown; keys: string } | { ok: false; message: string };
async function outcome(d: Deserializer, schema: Schema, xml: string): Promise<Outcome> {
  try {
    const value = await d.read(schema, new TextEncoder().encode(xml));
    return { ok: true, value, keys: JSON.stringify(value) };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

describe("EC2 answers read in one pass (installFastXmlReads)", () => {
  const sdk = deserializer(false);
  const fast = deserializer(true);

  it.each([...CORDON_CALLS, ...MORE_CALLS])("%s: random answers give the SDK's output", async (operation) => {
    const schema = outputOf(operation);
    const before = { ...fastXmlStats };
    for (let n = 0; n < 150; n++) {
      const xml = answer(`${operation}Response`, schema, n * 7919 + operation.length);
      const [ours, theirs] = await Promise.all([outcome(fast, schema, xml), outcome(sdk, schema, xml)]);
      expect(ours, xml).toEqual(theirs);
      expect(theirs.ok, xml).toBe(true);
    }
    // Cordon's own calls never need the SDK's read for a well-formed answer (those without output,
    // CreateTags or DeleteNetworkAclEntry, have nothing to read: the SDK's read gives undefined).
    if (CORDON_CALLS.includes(operation)) {
      if (schema.isUnitSchema()) expect(fastXmlStats.fast).toBe(before.fast);
      else expect(fastXmlStats.sdk).toBe(before.sdk);
    }
    expect(fastXmlStats.fast + fastXmlStats.sdk - before.fast - before.sdk).toBe(150);
  });

  it.each([...CORDON_CALLS, ...MORE_CALLS])("%s: damaged answers give the SDK's output or error", async (operation) => {
    const schema = outputOf(operation);
    for (let n = 0; n < 150; n++) {
      const xml = damage(answer(`${operation}Response`, schema, n * 104729 + 3), n);
      expect(await outcome(fast, schema, xml), xml).toEqual(await outcome(sdk, schema, xml));
    }
  });

  it("reads a DescribeFlowLogs answer as the SDK does, Dates and all", async () => {
    const xml = `<DescribeFlowLogsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>r</requestId>
    <flowLogSet>
        <item>
            <creationTime>2026-12-06T11:18:36.085Z</creationTime>
            <flowLogId>fl-1</flowLogId>
            <maxAggregationInterval>600</maxAggregationInterval>
            <tagSet><item><key>cordon:policy</key><value>a &amp; b</value></item></tagSet>
            <destinationOptions><hiveCompatiblePartitions>true</hiveCompatiblePartitions></destinationOptions>
        </item>
    </flowLogSet>
</DescribeFlowLogsResponse>`;
    const schema = outputOf("DescribeFlowLogs");
    const ours = (await fast.read(schema, new TextEncoder().encode(xml))) as { FlowLogs: Record<string, unknown>[] };
    expect(ours).toEqual(await sdk.read(schema, new TextEncoder().encode(xml)));
    expect(ours.FlowLogs[0]).toEqual({
      CreationTime: new Date("2026-12-06T11:18:36.085Z"),
      FlowLogId: "fl-1",
      Tags: [{ Key: "cordon:policy", Value: "a & b" }],
      MaxAggregationInterval: 600,
      DestinationOptions: { HiveCompatiblePartitions: true },
    });
  });

  it("is installed on EC2 clients only", () => {
    expect(installFastXmlReads({})).toBe(false);
    expect(
      installFastXmlReads({ config: { protocol: { getShapeId: () => "aws.protocols#restXml", deserializer: {} } } }),
    ).toBe(false);
  });
});
