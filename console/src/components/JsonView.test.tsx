// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { JsonView } from "./JsonView";

afterEach(cleanup);

describe("JsonView", () => {
  it("shows a short value open, focusable so it can be scrolled from the keyboard", () => {
    render(<JsonView value={{ a: 1 }} label="Result of a" />);
    const block = screen.getByLabelText("Result of a");
    expect(JSON.parse(block.textContent ?? "")).toEqual({ a: 1 });
    expect(block.tabIndex).toBe(0);
  });

  it("collapses a long value behind its summary, still labelled and focusable once open", () => {
    const value = { items: Array.from({ length: 100 }, (_, i) => i) };
    const { container } = render(<JsonView value={value} label="Result of each" />);
    expect(container.querySelector("details")?.open).toBe(false);
    expect(container.querySelector("summary")?.textContent).toMatch(/^Result of each \(\d+ KB\)$/);
    const block = screen.getByLabelText("Result of each");
    expect(JSON.parse(block.textContent ?? "")).toEqual(value);
    expect(block.tabIndex).toBe(0);
  });
});
