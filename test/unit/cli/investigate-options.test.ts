// `cordon investigate`'s own options: the expiry, the ticket (the schema's free-text rule), the
// thresholds, and the exit code of a report (2 only for a finding that calls for action).
import { describe, expect, it } from "vitest";
import { checkTicket, investigateExit, parseExpiresIn, thresholdsOf } from "../../../src/cli/commands/investigate.js";
import type { InvestigateReport } from "../../../src/model/investigate.js";

const defaults = {
  format: "text" as const,
  expiresIn: "30d",
  floodShare: "0.5",
  floodMinPackets: "1000",
  scanPorts: "50",
  scanAddresses: "50",
  top: "5",
  rejectedMinFlows: "10",
};

describe("investigate options", () => {
  it("reads --expires-in as days or weeks, or never (a permanent entry)", () => {
    expect(parseExpiresIn("30d")).toBe(30);
    expect(parseExpiresIn("4w")).toBe(28);
    expect(parseExpiresIn("never")).toBeUndefined();
  });

  it.each(["0d", "30", "86400", "24h", "1440m", "1y", "-3d", ""])("--expires-in %j is refused", (text) => {
    expect(() => parseExpiresIn(text)).toThrow(/--expires-in must be a number of days or weeks/);
  });

  it("takes a ticket the policy schema accepts and refuses what it would not", () => {
    expect(checkTicket("INC-2041")).toBe("INC-2041");
    for (const bad of ["", "x".repeat(129), "INC\n1", "INC\u202e1", "INC\u001b[31m"])
      expect(() => checkTicket(bad)).toThrow(/--ticket must be 1 to 128 characters of plain text/);
  });

  it("reads the thresholds and names the flag of a bad one", () => {
    expect(thresholdsOf(defaults)).toEqual({
      floodShare: 0.5,
      floodMinPackets: 1000,
      scanPorts: 50,
      scanAddresses: 50,
      rejectedTop: 5,
      rejectedMinFlows: 10,
    });
    expect(() => thresholdsOf({ ...defaults, floodShare: "1.5" })).toThrow(
      /--flood-share must be a number from 0 to 1/,
    );
    expect(() => thresholdsOf({ ...defaults, scanPorts: "2.5" })).toThrow(/--scan-ports must be an integer/);
    expect(() => thresholdsOf({ ...defaults, top: "x" })).toThrow(/--top must be an integer from 0 to 100/);
  });

  it("exits 2 only when a finding calls for action", () => {
    const report = (severities: ("error" | "warning" | "info")[]) =>
      ({ findings: severities.map((severity) => ({ severity })) }) as unknown as InvestigateReport;
    expect(investigateExit(report([]))).toBe(0);
    expect(investigateExit(report(["info", "info"]))).toBe(0);
    expect(investigateExit(report(["info", "warning"]))).toBe(2);
    expect(investigateExit(report(["error"]))).toBe(2);
  });
});
