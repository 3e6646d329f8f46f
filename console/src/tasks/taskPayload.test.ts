import { describe, expect, it } from "vitest";
import { completionResult, humanize, plainList, plainText, startDrafts, taskView } from "./taskPayload";

const task = (task_payload: unknown, task_type = "approval") => ({ task_type, step_id: "review", task_payload: task_payload as never });

describe("taskView", () => {
  it("takes title and description out of the payload and lists the other keys in words", () => {
    const v = taskView(task({ title: "Approve expenses", description: "Two lines\\nflagged", total: 1171.49, flagged_lines: ["e-3"], needsReview: true }));
    expect(v.title).toBe("Approve expenses");
    expect(v.description).toBe("Two lines\\nflagged");
    expect(v.fields.map((f) => [f.key, f.label])).toEqual([
      ["total", "Total"],
      ["flagged_lines", "Flagged lines"],
      ["needsReview", "Needs review"],
    ]);
    expect(v.form).toEqual([]);
  });

  it("names a task without a title by its type and step", () => {
    expect(taskView(task({ q: 1 }, "edit")).title).toBe("Edit: review");
    expect(taskView(task({ title: "   " })).title).toBe("Approval: review");
  });

  it("shows a payload that is not an object as the one thing to review, and an empty one as nothing", () => {
    expect(taskView(task("please check")).fields).toEqual([{ key: "payload", label: "Payload", value: "please check" }]);
    expect(taskView(task(null)).fields).toEqual([]);
  });

  it("builds the schema's form, starting from defaults then the payload's own values, and keeps an unusable schema visible", () => {
    const v = taskView(
      task({
        title: "Edit",
        body: "Draft text",
        other: 1,
        schema: { type: "object", properties: { body: { type: "string" }, tone: { type: "string", default: "neutral" } } },
      }),
    );
    expect(v.form.map((f) => f.name)).toEqual(["body", "tone"]);
    expect(v.start).toEqual({ tone: "neutral", body: "Draft text" });
    expect(startDrafts(v)).toEqual({ body: "Draft text", tone: "neutral" });
    expect(v.fields.map((f) => f.key)).toEqual(["other"]);
    expect(taskView(task({ schema: "not a schema" })).fields).toEqual([{ key: "schema", label: "Schema", value: "not a schema" }]);
  });
});

describe("completionResult", () => {
  const view = taskView(task({ schema: { type: "object", required: ["n"], properties: { n: { type: "integer" } } } }));

  it("approving sends the typed values and the comment; a bad value is an error and nothing is sent", () => {
    expect(completionResult(view, { n: "3" }, " fine ", true)).toEqual({ result: { n: 3, comment: "fine" }, errors: {} });
    expect(completionResult(view, { n: "3.5" }, "", true).errors).toEqual({ n: "Must be a whole number." });
    expect(completionResult(view, { n: "" }, "", true).errors).toEqual({ n: "Required." });
  });

  it("rejecting ignores the form and sends the comment only, or no result", () => {
    expect(completionResult(view, { n: "" }, "no", false)).toEqual({ result: { comment: "no" }, errors: {} });
    expect(completionResult(view, { n: "" }, "  ", false)).toEqual({ result: undefined, errors: {} });
  });

  it("uses the form's own comment field as the comment when the schema has one", () => {
    const withComment = taskView(task({ schema: { type: "object", properties: { comment: { type: "string" } } } }));
    expect(withComment.formHasComment).toBe(true);
    expect(completionResult(withComment, { comment: "why" }, "", true).result).toEqual({ comment: "why" });
    expect(completionResult(withComment, { comment: "why not" }, "", false).result).toEqual({ comment: "why not" });
  });
});

describe("value display", () => {
  it("words for scalars, lists for short lists of scalars, nothing for what needs a tree", () => {
    expect([plainText(null), plainText(true), plainText(false), plainText(2.5), plainText("x")]).toEqual(["—", "yes", "no", "2.5", "x"]);
    expect(plainText({ a: 1 })).toBeUndefined();
    expect(plainList(["a", 1, true])).toEqual(["a", "1", "yes"]);
    expect(plainList([{ a: 1 }])).toBeUndefined();
    expect(plainList(Array.from({ length: 21 }, (_, i) => i))).toBeUndefined();
  });

  it("humanizes snake, kebab and camel case keys", () => {
    expect([humanize("flagged_lines"), humanize("max-tickets"), humanize("needsReview"), humanize("_")]).toEqual(["Flagged lines", "Max tickets", "Needs review", "_"]);
  });
});
