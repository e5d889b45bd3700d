import { describe, expect, it } from "vitest";
import { checkCountryCode, isWafCountryCode, WAF_COUNTRY_CODES } from "../../../src/domain/countries.js";

describe("WAF country codes", () => {
  it("holds the 250 values of the WAFv2 CountryCode enum, sorted and unique", () => {
    expect(WAF_COUNTRY_CODES).toHaveLength(250);
    expect(new Set(WAF_COUNTRY_CODES).size).toBe(250);
    expect([...WAF_COUNTRY_CODES].sort()).toEqual(WAF_COUNTRY_CODES);
    for (const code of WAF_COUNTRY_CODES) expect(code).toMatch(/^[A-Z]{2}$/);
  });

  const cases: { code: string; ok: boolean; suggestion?: string | null; reason: string }[] = [
    { code: "TV", ok: true, reason: "Tuvalu is accepted" },
    { code: "GB", ok: true, reason: "the United Kingdom's ISO code" },
    { code: "XK", ok: true, reason: "Kosovo is the one user-assigned code in the enum" },
    { code: "AQ", ok: true, reason: "territories such as Antarctica are accepted" },
    { code: "UK", ok: false, suggestion: "GB", reason: "UK is not ISO; GB is meant" },
    { code: "uk", ok: false, suggestion: "GB", reason: "lower-case UK still suggests GB" },
    { code: "EL", ok: false, suggestion: "GR", reason: "the EU's code for Greece" },
    { code: "tv", ok: false, suggestion: "TV", reason: "lower case is rejected with the upper-case code" },
    { code: "EU", ok: false, suggestion: null, reason: "not a country" },
    { code: "AN", ok: false, suggestion: null, reason: "withdrawn code" },
    { code: "XX", ok: false, suggestion: null, reason: "label-only unknown origin" },
    { code: "QQ", ok: false, suggestion: null, reason: "unassigned" },
  ];
  it.each(cases)("$code: $reason", ({ code, ok, suggestion }) => {
    const check = checkCountryCode(code);
    expect(check.ok).toBe(ok);
    expect(isWafCountryCode(code)).toBe(ok);
    if (!check.ok) expect(check.suggestion).toBe(suggestion);
  });
});
