/**
 * A CodeMirror completion source for `{{ … }}` templates, fed by a function that lists the
 * paths valid for the edited step (see graph/templates.ts).
 */
import type { CompletionContext, CompletionResult } from "@codemirror/autocomplete";
import { templateContextAt, type TemplateSuggestion } from "../graph/templates";

export function templateCompletionSource(suggest: (typed: string) => TemplateSuggestion[]) {
  return (ctx: CompletionContext): CompletionResult | null => {
    const line = ctx.state.doc.lineAt(ctx.pos);
    const at = templateContextAt(line.text, ctx.pos - line.from);
    if (!at) return null;
    return {
      from: line.from + at.from,
      options: suggest(at.path).map((s) => ({ label: s.path, detail: s.detail, type: "variable" })),
      validFor: /^[A-Za-z0-9_.\-]*$/,
    };
  };
}
