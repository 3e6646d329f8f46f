import { describe, expect, it } from "vitest";
import { formatBucket, formatCount, formatCredits, formatDuration, formatInstant, formatMs, formatRate } from "./format";

describe("analytics formatting", () => {
  it("writes counts, rates and credits", () => {
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatRate(5 / 6)).toBe("83.3%");
    expect(formatRate(1)).toBe("100%");
    expect(formatCredits(0)).toBe("0");
    expect(formatCredits(1_500_000)).toBe("1.5");
    expect(formatCredits(3)).toBe("0.000003");
  });

  it("writes durations at a readable precision", () => {
    expect(formatDuration(0)).toBe("0 ms");
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(4_240)).toBe("4.2 s");
    expect(formatDuration(42_000)).toBe("42 s");
    expect(formatDuration(200_000)).toBe("3 min 20 s");
    expect(formatDuration(180_000)).toBe("3 min");
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000)).toBe("2 h 5 min");
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe("3 d 4 h");
    expect(formatDuration(-1)).toBe("—");
    expect(formatMs(null)).toBe("—");
    expect(formatMs(12)).toBe("12 ms");
  });

  it("writes bucket starts in UTC at the granularity's precision", () => {
    // 23:00 UTC stays on its UTC day whatever the zone the test runs in.
    expect(formatBucket("2026-12-07T23:00:00.000Z", "hour")).toBe("2026-12-07 23:00");
    expect(formatBucket("2026-12-07T00:00:00.000Z", "day")).toBe("2026-12-07");
    expect(formatBucket("2026-12-07T00:00:00.000Z", "week")).toBe("week of 2026-12-07");
    expect(formatBucket("not a time", "day")).toBe("not a time");
    expect(formatInstant("2026-12-07T14:03:09.120+01:00")).toBe("2026-12-07 13:03 UTC");
  });
});
