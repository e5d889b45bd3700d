// src/aws/xml-parser.ts is the bundles' replacement for the AWS SDK's parseXML
// (@aws-sdk/xml-builder): it must give the same result, or throw the same message, for every input.
// Held equal here against the SDK's own function: its edge cases, EC2 and S3 answers shaped like
// the sandbox's and AWS's (pretty-printed), and random inputs from a small XML alphabet.
import { parseXML as sdkParseXML } from "@aws-sdk/xml-builder";
import { describe, expect, it } from "vitest";
import { parseXML } from "../../../src/aws/xml-parser.js";

type Outcome = { ok: true; json: string } | { ok: false; message: string };

function outcome(parse: (xml: string) => unknown, xml: string): Outcome {
  try {
    const value = parse(xml);
    // JSON with the key order and own "__proto__" keys visible.
    return { ok: true, json: JSON.stringify(value, (_k, v) => (v === undefined ? "<undefined>" : v)) };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

const same = (xml: string) => expect(outcome(parseXML, xml), xml).toEqual(outcome(sdkParseXML, xml));

const EC2_ANSWER = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeFlowLogsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>2f3661e0-3c90-40c7-8834-34dbcd5e89a4</requestId>
    <flowLogSet>
        <item>
            <creationTime>2026-12-06T11:18:36.085Z</creationTime>
            <deliverLogsStatus>SUCCESS</deliverLogsStatus>
            <flowLogId>fl-83ae2dc769144a12d</flowLogId>
            <logFormat>\${version} \${account-id} \${srcaddr} &amp; &lt;x&gt; &#65;&#x42;</logFormat>
            <tagSet>
                <item><key>cordon:managed-by</key><value>cordon</value></item>
                <item><key>Name</key><value/></item>
            </tagSet>
            <destinationOptions><fileFormat>parquet</fileFormat><perHourPartition>true</perHourPartition></destinationOptions>
        </item>
    </flowLogSet>
    <nextToken/>
</DescribeFlowLogsResponse>`;

const S3_ANSWER = `<?xml version="1.0" encoding="UTF-8"?>\r\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix><Contents><Key>AWSLogs/1/a&amp;b.log.gz</Key><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>12</Size></Contents><Contents><Key>k2</Key></Contents><IsTruncated>false</IsTruncated></ListBucketResult>`;

describe("parseXML, the SDK's parser written to be fast", () => {
  it("reads an EC2 answer and an S3 answer exactly as the SDK does", () => {
    same(EC2_ANSWER);
    same(S3_ANSWER);
    const parsed = parseXML(EC2_ANSWER) as Record<string, Record<string, unknown>>;
    const set = parsed.DescribeFlowLogsResponse?.flowLogSet as Record<string, Record<string, unknown>>;
    expect(set.item?.logFormat).toBe(`\${version} \${account-id} \${srcaddr} & <x> AB`);
  });

  it.each([
    ["self-closing root", "<a/>"],
    ["attributes on a self-closing root", `<a x="1" y='&lt;2'/>`],
    ["attribute without a value", "<a x><b/></a>"],
    ["attribute with an unquoted value", "<a x=1>t</a>"],
    ["text and children mixed", "<a>one<b>2</b>three</a>"],
    ["whitespace-only text with and without a newline", "<a><b> </b><c>\n  </c><d>  </d></a>"],
    ["whitespace between children", "<a>\n  <b>1</b>\n  <b>2</b>\n  <b>3</b>\n</a>"],
    ["attributes and text", `<a k="v">text</a>`],
    ["attribute and child of the same name", `<a b="attr"><b>child</b></a>`],
    ["CDATA kept as it is", "<a><![CDATA[<not> &amp; a tag]]></a>"],
    ["CDATA and text", "<a>x<![CDATA[y]]>&amp;z</a>"],
    ["comments inside and around", "<!-- c --><a><!-- in -->t<!-- in2 --></a>"],
    ["processing instruction inside", "<a><?pi x?>t</a>"],
    ["doctype", "<!DOCTYPE a [<!ENTITY x 'y'>]><a>t</a>"],
    ["lower-case doctype", "<!doctype a><a>t</a>"],
    ["unknown and numeric entities", "<a>&nope; &#0; &#x1F600; &#99999999;</a>"],
    ["a __proto__ child", "<a><__proto__>x</__proto__><b>1</b></a>"],
    ["two __proto__ children", "<a><__proto__>x</__proto__><__proto__>y</__proto__></a>"],
    ["a __proto__ attribute", `<a __proto__="x"><b/></a>`],
    ["a child named like an Object method", "<a><toString>x</toString><constructor>y</constructor></a>"],
    ["carriage returns", "<a>\r\n<b>1\r2</b>\r\n</a>"],
    ["closing tag with spaces", "<a>t</a   >"],
    ["a #text child", "<a><#text>x</#text><b/></a>"],
  ])("%s", (_name, xml) => same(xml));

  it.each([
    ["empty input", ""],
    ["only a prologue", `<?xml version="1.0"?>`],
    ["content before the root", "x<a/>"],
    ["unclosed tag", "<a><b></a>"],
    ["mismatched tags", "<a></b>"],
    ["missing closing tag", "<a>text"],
    ["bad self-closing tag", "<a/ >"],
    ["end of input in a tag", "<a x="],
    ["unterminated comment", "<a><!-- x</a>"],
    ["unterminated CDATA", "<a><![CDATA[x</a>"],
    ["unclosed doctype", "<!DOCTYPE a [ <a/>"],
    ["garbage after an attribute name", `<a x y="1">`],
  ])("throws the SDK's error for %s", (_name, xml) => {
    expect(() => sdkParseXML(xml)).toThrow();
    same(xml);
  });

  it("agrees with the SDK on 20,000 random inputs", () => {
    // A small alphabet that makes tags, attributes, entities, comments and CDATA likely.
    const pieces = [
      "<a>",
      "</a>",
      "<b>",
      "</b>",
      "<a/>",
      "<b x='1'>",
      '<c y="&amp;">',
      "</c>",
      "<!--",
      "-->",
      "<![CDATA[",
      "]]>",
      "<?",
      "?>",
      "&amp;",
      "&lt;",
      "&#65;",
      "&bogus;",
      "text",
      " ",
      "\n",
      "\r\n",
      "\t",
      "=",
      "'",
      '"',
      "/",
      ">",
      "<",
      "<__proto__>",
      "</__proto__>",
      "<item>",
      "</item>",
    ];
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    let parsedSome = 0;
    for (let n = 0; n < 20_000; n++) {
      const length = 1 + Math.floor(random() * 14);
      let xml = random() < 0.5 ? "<r>" : "";
      for (let i = 0; i < length; i++) xml += pieces[Math.floor(random() * pieces.length)];
      if (xml.startsWith("<r>") && random() < 0.7) xml += "</r>";
      const ours = outcome(parseXML, xml);
      const theirs = outcome(sdkParseXML, xml);
      if (ours.ok) parsedSome++;
      expect(ours, xml).toEqual(theirs);
    }
    // Not all rejected: the comparison covers results, not only errors.
    expect(parsedSome).toBeGreaterThan(1_000);
  });

  it("agrees with the SDK on 5,000 random well-formed documents", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const names = ["item", "key", "value", "vpcId", "tagSet", "a", "__proto__", "toString", "x-y", "ns:el"];
    const texts = ["", " ", "\n  ", "v", "a &amp; b", "&lt;t&gt;", "&#x41;", "\r\n", "<![CDATA[c<>]]>", "<!-- c -->"];
    const element = (depth: number): string => {
      const name = pick(names);
      const attrs = random() < 0.15 ? ` ${pick(names)}="${pick(["1", "&quot;q&quot;", ""])}"` : "";
      if (random() < 0.1) return `<${name}${attrs}/>`;
      const parts: string[] = [];
      const n = depth > 3 ? 0 : Math.floor(random() * 4);
      for (let i = 0; i < n; i++) parts.push(random() < 0.3 ? pick(texts) : element(depth + 1));
      if (n === 0) parts.push(pick(texts));
      return `<${name}${attrs}>${parts.join(random() < 0.5 ? "\n    " : "")}</${name}>`;
    };
    for (let n = 0; n < 5_000; n++) {
      const xml = `${random() < 0.5 ? '<?xml version="1.0"?>\n' : ""}${element(0)}`;
      const ours = outcome(parseXML, xml);
      expect(ours.ok, xml).toBe(true);
      expect(ours, xml).toEqual(outcome(sdkParseXML, xml));
    }
  });
});
