// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ARRAY_PAGE, JsonTree } from "./JsonTree";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("JsonTree", () => {
  it("opens the top level, keeps deeper levels closed until asked, and types each value", () => {
    const { container } = render(<JsonTree value={{ name: "Ada", n: 2, ok: true, none: null, tags: ["a", "b"] }} label="Result of x" />);
    const tree = screen.getByRole("group", { name: "Result of x" });
    expect(tree.tabIndex).toBe(0);
    expect(tree.textContent).toContain('name: "Ada"');
    expect(container.querySelector(".jt-number")?.textContent).toBe("2");
    expect(container.querySelector(".jt-boolean")?.textContent).toBe("true");
    expect(container.querySelector(".jt-null")?.textContent).toBe("null");
    const tags = [...container.querySelectorAll("details")].find((d) => d.textContent?.startsWith("tags")) as HTMLDetailsElement;
    expect(tags.open).toBe(false);
    expect(tags.querySelector("summary")?.textContent).toBe("tags: [2 items]");
    // A closed branch draws no children until opened.
    expect(tags.querySelector(".jt-children")).toBeNull();
    tags.open = true;
    fireEvent(tags, new Event("toggle"));
    expect(tags.querySelector(".jt-children")?.textContent).toBe('0: "a"1: "b"');
  });

  it("draws long arrays a page at a time", () => {
    const value = Array.from({ length: ARRAY_PAGE + 5 }, (_, i) => i);
    const { container } = render(<JsonTree value={value} label="Items" />);
    expect(container.querySelectorAll(".jt-leaf")).toHaveLength(ARRAY_PAGE);
    fireEvent.click(screen.getByRole("button", { name: "Show 5 more of 5" }));
    expect(container.querySelectorAll(".jt-leaf")).toHaveLength(ARRAY_PAGE + 5);
  });

  it("copies the whole value as pretty JSON and says so", async () => {
    const writeText = vi.fn(async () => {});
    vi.stubGlobal("navigator", { clipboard: { writeText } });
    render(<JsonTree value={{ a: [1] }} label="Input of x" />);
    fireEvent.click(screen.getByRole("button", { name: "Copy Input of x" }));
    await waitFor(() => expect(screen.getByText("Copied.")).toBeTruthy());
    expect(writeText).toHaveBeenCalledWith('{\n  "a": [\n    1\n  ]\n}');
  });

  it("shows a missing value as null", () => {
    render(<JsonTree value={undefined} label="Nothing" />);
    expect(screen.getByRole("group", { name: "Nothing" }).textContent).toBe("null");
  });
});
