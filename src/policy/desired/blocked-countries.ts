// Desired state of a policy's blockedCountries section: the country codes in force today, which
// the web ACL's geo rule blocks (web-acl.ts). An expired country is left out, with a change note
// on the web ACL and a plan note. Pure and synchronous.

import { isWafCountryCode } from "../../domain/countries.js";
import { expiryNote, partitionExpired } from "../../domain/guard.js";
import type { LoadedPolicy } from "../../model/policy.js";
import type { Address, RuleOrigin } from "../../model/resource.js";
import { declaredEntry } from "./blocked-addresses.js";
import type { Builder } from "./builder.js";

/**
 * The section's country codes in force `today` (none without the section). Validation refuses a
 * code WAF does not accept (country.unknown); one that reaches here is left out and reported as
 * an assertion naming that rule.
 */
export function activeCountries(b: Builder, l: LoadedPolicy, webAclAddress: Address, today: string): string[] {
  const bc = l.policy.blockedCountries;
  if (bc === undefined) return [];
  const countries: string[] = [];
  const { active, expired } = partitionExpired(bc.countries, today);
  for (const e of expired) {
    const n = expiryNote(`country ${e.code}`, e);
    b.noteFor(webAclAddress, n);
    b.note({ severity: "info", message: `${n}; remove it from ${l.source.file}` });
  }
  for (const e of active) {
    if (isWafCountryCode(e.code)) countries.push(e.code);
    else
      b.unvalidated(
        l,
        "country.unknown",
        `/blockedCountries/countries/${bc.countries.indexOf(e)}/code`,
        `the country code "${e.code}", which WAF does not accept`,
      );
  }
  return countries;
}

/** For each country code the geo rule blocks, the declared entries behind it (the plan's "why"). */
export function countryOrigins(l: LoadedPolicy, countries: readonly string[]): RuleOrigin[] {
  const declared = l.policy.blockedCountries?.countries ?? [];
  return [...new Set(countries)].map((code) => ({
    rule: code,
    entries: declared.filter((c) => c.code === code).map((c) => declaredEntry(c.code, c)),
  }));
}
