import { describe, expect, it } from "vitest";
import { enforcedCidrs, isExpired, utcDate } from "../../../src/domain/blocklist.js";
import { formatCidr } from "../../../src/domain/cidr.js";

describe("blocklist", () => {
  const cases: { expires: string | undefined; expired: boolean; reason: string }[] = [
    { expires: undefined, expired: false, reason: "no expiry never expires" },
    { expires: "2026-05-01", expired: false, reason: "in force on its expiry day" },
    { expires: "2026-04-30", expired: true, reason: "gone the day after" },
    { expires: "2027-01-01", expired: false, reason: "a future date" },
  ];
  it.each(cases)("$reason", ({ expires, expired }) => {
    expect(isExpired(expires, "2026-05-01")).toBe(expired);
  });

  it("formats today in UTC", () => {
    expect(utcDate(new Date("2026-05-01T23:30:00-05:00"))).toBe("2026-05-02");
  });

  it("enforces unexpired entries, aggregated per family", () => {
    const got = enforcedCidrs(
      [
        { cidr: "10.0.0.0/25", reason: "a" },
        { cidr: "10.0.0.128/25", reason: "b" },
        { cidr: "192.0.2.1", reason: "expired", expires: "2026-04-30" },
        { cidr: "2001:db8::/32", reason: "v6" },
        { cidr: "2001:db8:1::/48", reason: "inside" },
        { cidr: "10.1.2.3/8", reason: "host bits: skipped" },
      ],
      "2026-05-01",
    );
    expect(got.ipv4.map(formatCidr)).toEqual(["10.0.0.0/24"]);
    expect(got.ipv6.map(formatCidr)).toEqual(["2001:db8::/32"]);
  });
});
